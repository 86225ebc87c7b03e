import type { SoftmaxHead } from '../train/softmax-head.js';
import { predictClasses } from '../train/train-head.js';

export interface LabelledExample {
  path: string;
  label: number;
  vector: Float32Array;
}

export interface Evaluation {
  accuracy: number;
  count: number;
  /** confusion[true][predicted] */
  confusion: number[][];
  misclassified: Array<{ path: string; label: number; predicted: number }>;
}

/** Accuracy, confusion matrix and misclassified examples of a head on a labelled set. */
export function evaluateHead(head: SoftmaxHead, examples: readonly LabelledExample[]): Evaluation {
  const predicted = predictClasses(head, examples.map((e) => e.vector));
  const confusion = Array.from({ length: head.numClasses }, () => new Array<number>(head.numClasses).fill(0));
  const misclassified: Evaluation['misclassified'] = [];
  examples.forEach((example, i) => {
    const p = predicted[i]!;
    confusion[example.label]![p]!++;
    if (p !== example.label) misclassified.push({ path: example.path, label: example.label, predicted: p });
  });
  const correct = examples.length - misclassified.length;
  return { accuracy: examples.length ? correct / examples.length : NaN, count: examples.length, confusion, misclassified };
}
