import { createRequire } from 'node:module';
import type { z } from 'zod';
import { ConfigError } from './config-error.js';
import { describeIssues, formatProblems } from './config-issues.js';
import type { RetrainConfig } from './define-config.js';
import { shardProblem } from '../store/shard.js';

/**
 * Runtime validation of a user config; errors name the offending field. Built on the first validation, not at
 * import: a command that validates nothing (or a library user that imports `retrain` for its types) loads no
 * zod. Its CommonJS build, loaded synchronously here, costs about a quarter less CPU than its ES module entry.
 */
export function configSchema() {
  return (built ??= buildSchema());
}

let built: ReturnType<typeof buildSchema> | undefined;

/** What a folder field that takes one folder or several must be. */
const FOLDERS = 'must be a folder name or a list of folder names';
/** The largest training, validation or test batch (images per step or evaluation). */
export const MAX_BATCH = 65536;

function buildSchema() {
  const { z } = createRequire(import.meta.url)('zod') as typeof import('zod');
  const percent = z.number().min(0).max(100);
  const positiveInt = z.number().int().positive();
  // A batch is built in memory (images × feature size): `--batch-size 1e9` ran the process out of memory after a
  // minute of garbage collection, with V8's stack trace. Far above any useful batch, far below that.
  const batch = z.number().int().max(MAX_BATCH).refine((n) => n === -1 || n > 0, 'must be a positive integer or -1 (all)');

  const baseSchema = z
    .object({
      imageDir: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], { error: FOLDERS }),
      model: z.string().min(1).optional(),
      modelOptions: z
        .object({
          inputSize: z.tuple([positiveInt, positiveInt]).optional(),
          range: z.tuple([z.number(), z.number()]).optional(),
          featureLayer: z.string().min(1).optional(),
          pooling: z.enum(['avg', 'none']).optional(),
          resize: z.enum(['crop', 'central-crop', 'stretch']).optional(),
          mean: z.tuple([z.number(), z.number(), z.number()]).optional(),
          std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]).optional(),
          inputName: z.string().min(1).optional(),
          layout: z.enum(['nchw', 'nhwc']).optional(),
        })
        .strict()
        .refine((o) => (o.mean === undefined) === (o.std === undefined), { message: 'mean and std go together' })
        .refine((o) => !(o.mean && o.range), { message: 'give either range or mean/std, not both' })
        .optional(),
      split: z
        .object({ validationPercentage: percent.optional(), testingPercentage: percent.optional() })
        .strict()
        .refine((s) => (s.validationPercentage ?? 10) + (s.testingPercentage ?? 10) < 100, {
          message: 'validationPercentage + testingPercentage must leave images for training (< 100)',
        })
        .optional(),
      train: z
        .object({
          steps: positiveInt.optional(),
          learningRate: z.number().positive().optional(),
          solver: z.enum(['sgd', 'lbfgs']).optional(),
          l2: z.number().positive().optional(),
          batchSize: positiveInt.max(MAX_BATCH).optional(),
          evalStepInterval: positiveInt.optional(),
          validationBatchSize: batch.optional(),
          testBatchSize: batch.optional(),
          warmStart: z.boolean().optional(),
        })
        .strict()
        .optional(),
      distortions: z
        .object({
          flipLeftRight: z.boolean().optional(),
          randomCrop: percent.optional(),
          randomScale: percent.optional(),
          randomBrightness: percent.optional(),
          variants: z.number().int().min(0).max(1000).optional(),
        })
        .strict()
        .optional(),
      head: z
        .object({
          optimizer: z.enum(['sgd', 'momentum', 'adam']).optional(),
          l2: z.number().min(0).optional(),
          labelSmoothing: z.number().min(0).max(1).optional(),
          earlyStoppingPatience: z.number().int().positive().optional(),
          classWeights: z.union([z.literal('balanced'), z.record(z.string(), z.number().positive())]).optional(),
          hiddenUnits: z.number().int().min(0).optional(),
          dropout: z.number().min(0).lt(1).optional(),
        })
        .strict()
        .optional(),
      labels: z.enum(['unicode', 'original']).optional(),
      seed: z.number().int().optional(),
      modelsDir: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], { error: FOLDERS }).optional(),
      cacheDir: z.string().min(1).optional(),
      outputDir: z.string().min(1).optional(),
      outputLabels: z.string().min(1).optional(),
      finalTensorName: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an identifier').optional(),
      printMisclassifiedTestImages: z.boolean().optional(),
      reportAudit: z.boolean().optional(),
      summariesDir: z.string().min(1).optional(),
      workers: positiveInt.optional(),
      inferenceBatchSize: positiveInt.optional(),
      backend: z.enum(['auto', 'onnx', 'node', 'wasm', 'cpu']).optional(),
      remoteCache: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'must be s3://bucket/prefix, the bucket 3-63 lower-case letters, digits, dots or hyphens').optional(),
      remoteCacheReadOnly: z.boolean().optional(),
      remoteCacheRequired: z.boolean().optional(),
      shard: z
        .string()
        .superRefine((text, context) => {
          const problem = shardProblem(text);
          if (problem) context.addIssue({ code: 'custom', message: problem });
        })
        .optional(),
    })
    .strict();

  const experimentSchema = baseSchema.omit({ imageDir: true, cacheDir: true, outputDir: true, remoteCache: true, remoteCacheReadOnly: true, remoteCacheRequired: true, shard: true });

  const configSchema = baseSchema
    .extend({
      experiments: z.record(z.string().regex(/^[\w.=,+-]+$/, 'experiment names: letters, digits and . = , + - _'), experimentSchema).optional(),
      experimentGrid: z.record(z.string(), z.array(z.union([z.string(), z.number(), z.boolean()])).min(1)).optional(),
    })
    .strict() satisfies z.ZodType<RetrainConfig>;
  return configSchema;
}

export { ConfigError };

/**
 * Validates `value` as a RetrainConfig, throwing one ConfigError that names each bad field, or the flag that
 * set it as the user typed it (`flagSources`: field path → `--flag value`), and the closest known key for
 * an unknown one.
 */
export function validateConfig(value: unknown, source: string, flagSources?: ReadonlyMap<string, string>): RetrainConfig {
  const schema = configSchema();
  const result = schema.safeParse(value);
  if (result.success) return result.data as RetrainConfig;
  const problems = describeIssues(result.error.issues, value, schema, flagSources);
  const error = new ConfigError(formatProblems(problems, source));
  error.usage = problems.every((p) => p.flag);
  throw error;
}
