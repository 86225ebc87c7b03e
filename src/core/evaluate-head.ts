import { argmax, softmaxInto, type SoftmaxHead } from './softmax-head.js';
import { predictClasses } from './train-head.js';

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
  return evaluationOf(head, examples, predictClasses(head, examples.map((e) => e.vector)));
}

/** evaluateHead on vectors read one at a time (from the cache) and dropped: memory does not grow with the set. */
export function evaluateHeadStreamed(head: SoftmaxHead, examples: ReadonlyArray<{ path: string; label: number; vector: () => Float32Array }>): Evaluation {
  const probs = new Float64Array(head.numClasses);
  const predicted = examples.map((example) => {
    softmaxInto(head, example.vector(), probs);
    return argmax(probs);
  });
  return evaluationOf(head, examples, predicted);
}

function evaluationOf(head: SoftmaxHead, examples: ReadonlyArray<{ path: string; label: number }>, predicted: readonly number[]): Evaluation {
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
