import type { ResolvedConfig } from '../config/resolved-config.js';
import { stageKey as stageKeyOf } from '../store/keys.js';
import type { BuildContext } from './build-context.js';
import type { OperatorFunction } from '../util/rx.js';
import type { Task } from './task.js';

/** Picks one value out of the resolved config. Named by the config path it reads ("train.learningRate"). */
export type Selector = (config: ResolvedConfig) => unknown;
export type Selectors = Record<string, Selector>;
export type Selected<S extends Selectors> = { readonly [K in keyof S]: ReturnType<S[K]> };

/**
 * A stage declared like a build rule. Its key is made from exactly what it declares: name, version, the
 * `config` selectors' values and the content keys of its `upstream` artifacts. `uses` are config values it
 * reads that do not change what it produces (where it writes, whether it starts from the exported head):
 * declared, so the stage can read them, but not part of the key.
 */
export interface StageDeclaration<K extends Selectors = Selectors, U extends Selectors = Selectors> {
  name: string;
  /** Bumped whenever the stage would produce something else from the same inputs. */
  version: number;
  config: K;
  uses: U;
  upstream: readonly string[];
  outputs: readonly string[];
}

export function defineStage<K extends Selectors, U extends Selectors>(stage: StageDeclaration<K, U>): StageDeclaration<K, U> {
  return stage;
}

/**
 * The declared config values of a stage, frozen: the only config a stage's code gets. Each selector sees
 * only the config path it is named after ("train.learningRate" sees config.train.learningRate and nothing
 * else): a selector that reads more throws, naming the stage, the input and what it read.
 */
export function selectInputs<K extends Selectors, U extends Selectors>(stage: StageDeclaration<K, U>, config: ResolvedConfig) {
  const pick = <S extends Selectors>(selectors: S) =>
    deepFreeze(
      Object.fromEntries(Object.entries(selectors).map(([name, select]) => [name, structuredClone(select(onlyPath(config, name, stage.name)))])),
    ) as Selected<S>;
  return { keyed: pick(stage.config), uses: pick(stage.uses) };
}

/** A view of `config` that gives the value at `name` ("a.b") and throws on any other read. */
function onlyPath(config: ResolvedConfig, name: string, stage: string): ResolvedConfig {
  const parts = name.split('.');
  const view = (target: object, depth: number, at: string[]): object =>
    // The proxy's own target is empty, so a frozen config does not bind what it may return.
    new Proxy(Object.create(null) as object, {
      get(_, key) {
        if (typeof key === 'symbol') return undefined;
        const path = [...at, key];
        if (key !== parts[depth]) throw new UndeclaredInputError(`stage ${stage}: its input "${name}" reads config.${path.join('.')}, which the stage does not declare`);
        const value: unknown = Reflect.get(target, key);
        return depth + 1 < parts.length && value !== null && typeof value === 'object' ? view(value, depth + 1, path) : value;
      },
      has(_, key) {
        return key === parts[depth] && Reflect.has(target, key);
      },
    });
  return view(config, 0, []) as ResolvedConfig;
}

export class UndeclaredInputError extends Error {
  override name = 'UndeclaredInputError';
}

/** The stage's content key: a hash of its name, version, keyed config values and upstream keys. */
export function stageKey(stage: StageDeclaration, keyed: Readonly<Record<string, unknown>>, upstream: Readonly<Record<string, string>>): string {
  const declared = [...stage.upstream].sort().join(',');
  const given = Object.keys(upstream).sort().join(',');
  if (declared !== given) throw new Error(`stage ${stage.name}: upstream keys [${given}] are not the declared [${declared}]`);
  const config = Object.fromEntries(Object.keys(stage.config).map((name) => [name, keyed[name]]));
  return stageKeyOf(stage.name, stage.version, config, upstream);
}

/** What one run of a stage recorded: its key and the inputs that made it (for `retrain status`). */
export type { StageRunRecord } from './stage-run-record.js';

/** What a stage's code gets instead of the build context: no config beyond its declared inputs. */
export type StageContext<K extends Selectors, U extends Selectors> = Omit<BuildContext, 'config'> & {
  inputs: Selected<K> & Selected<U>;
  /** Computes the key from the upstream keys and returns the uniform event emitters for this run. */
  begin(upstream: Record<string, string>): StageRun;
  /**
   * For a stage that streams (scan, hash, bottleneck, augment): its events as the work goes, and its key
   * once its upstream keys are known (at the end).
   */
  events: StageEvents;
  record(upstream: Record<string, string>): string;
};

export interface StageEvents {
  upToDate(reason: string): void;
  start(detail?: string, total?: number): void;
  done(detail?: string): void;
  /** Stopped by the build's signal before its work was done; `detail` says what was done and what was not. */
  interrupted(detail: string): void;
}

export interface StageRun extends StageEvents {
  key: string;
}

/**
 * The one runner of declared stages: gives the stage only its declared config, computes its key from its
 * declaration, records the inputs of the run and emits the stage events in one shape for every stage.
 */
export function stageTask<In, Out, K extends Selectors, U extends Selectors>(
  stage: StageDeclaration<K, U>,
  operator: (context: StageContext<K, U>) => OperatorFunction<In, Out>,
): Task<In, Out> {
  return {
    name: stage.name,
    inputs: [...Object.keys(stage.config), ...Object.keys(stage.uses), ...stage.upstream],
    outputs: stage.outputs,
    operator: (context) => {
      const { config, ...rest } = context;
      const { keyed, uses } = selectInputs(stage, config);
      const emit = context.emit;
      const event = (status: 'start' | 'done' | 'up-to-date' | 'interrupted', detail?: string, total?: number) =>
        emit({ type: 'stage', stage: stage.name, status, ...(detail !== undefined ? { detail } : {}), ...(total !== undefined ? { total } : {}) });
      const events: StageEvents = {
        upToDate: (reason) => event('up-to-date', reason),
        start: (detail, total) => event('start', detail, total),
        done: (detail) => event('done', detail),
        interrupted: (detail) => event('interrupted', detail),
      };
      const record = (upstream: Record<string, string>) => {
        const key = stageKey(stage, keyed, upstream);
        context.stageRuns?.set(stage.name, { key, config: { ...keyed }, upstream: { ...upstream } });
        return key;
      };
      const stageContext: StageContext<K, U> = {
        ...rest,
        inputs: declaredOnly(stage.name, Object.freeze({ ...keyed, ...uses })) as Selected<K> & Selected<U>,
        events,
        record,
        begin: (upstream) => ({ key: record(upstream), ...events }),
      };
      return operator(stageContext);
    },
  };
}

/** The stage's inputs; reading one it did not declare throws instead of giving undefined. */
function declaredOnly<T extends object>(stage: string, inputs: T): T {
  return new Proxy(inputs, {
    get(target, key, receiver) {
      if (typeof key === 'string' && !(key in target)) throw new UndeclaredInputError(`stage ${stage} reads the input "${key}", which it does not declare`);
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
