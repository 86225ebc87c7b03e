/** The parts of a TF.js model.json this tool reads. */
export interface ModelJson {
  format?: string;
  modelTopology: unknown;
  weightsManifest: Array<{ paths: string[]; weights: WeightSpec[] }>;
  [key: string]: unknown;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string };
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** Bytes the weight files of one manifest group must hold, or undefined when it cannot be known (strings). */
export function expectedWeightBytes(weights: WeightSpec[]): number | undefined {
  let total = 0;
  for (const spec of weights) {
    const bytes = BYTES[spec.quantization?.dtype ?? spec.dtype];
    if (bytes === undefined) return undefined;
    total += spec.shape.reduce((a, b) => a * b, 1) * bytes;
  }
  return total;
}

export function isGraphModel(json: ModelJson): boolean {
  const topology = json.modelTopology as { node?: unknown } | undefined;
  return json.format === 'graph-model' || Array.isArray(topology?.node);
}
