// The layer rule of the source tree (README, Layout): imports only go down the layers below, no file imports
// itself back through others, and core/ touches no file system, engine or store. Reads the TypeScript sources
// (type-only imports count: a type is a dependency of the design even when the compiler erases it).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/** Repository root (this file runs as build/test/unit/layers.test.js). */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The layers, lowest first: a file may import its own layer and the layers before it. A layer is a folder
 * (its sub-folders included, unless listed as layers of their own).
 */
export const LAYERS = [
  'src/util', // small helpers: atomic writes, errors, sha256, RxJS glue
  'src/store', // the LMDB cache, the remote cache, keys: explicit settings, never the config
  'src/config', // defineConfig, the schema, loading and resolving a config, the command-line flags table
  'src/core', // split, train, evaluate, augment, the audit's algorithms: pure, no fs, no engine
  'src/images', // scan, labels, decode, file hashes (through the stat cache)
  'src/engine/model', // finding, downloading and reading a model; the TF.js backend
  'src/engine/onnx', // ONNX in and out, onnxruntime
  'src/engine', // the feature engine contract, model identity, the worker pool and worker
  'src/engine/queue', // the pool across machines (BullMQ)
  'src/report', // report.html, TensorBoard files
  'src/export', // writing and loading the exported model
  'src/pipeline', // stages, the runner, build
  'src/app', // watch, experiments, audit, cache maintenance, eval: take a resolved config
  'src/cli', // the only reader of argv and the environment
  'src/index.ts', // the package's API
];

/** Where today's files sit in the layers until the move (restructure.mjs deletes this block when it moves them). */
const LEGACY: Record<string, string> = {
};

/**
 * Upward references that are the point, each with its reason. Keep this short: every entry is a place where
 * the layers do not tell the story.
 */
const ALLOWED_UP = new Set([
  // A config file's `import { defineConfig } from 'retrain'` resolves (jiti alias) to the package entry.
  'src/config/load-config.ts → src/index.ts',
]);

/** Packages core/ may not load: the file system, processes, the engines, the stores. */
const NOT_IN_CORE = /^(node:)?(fs|fs\/promises|child_process|worker_threads|http|https|net)$|^(sharp|lmdb|piscina|chokidar|bullmq|ioredis|onnxruntime-node|onnxruntime-web|@tensorflow\/tfjs-node|@tensorflow\/tfjs-backend-wasm|@aws-sdk\/.*)$/;

export type Edge = { to: string; kind: 'value' | 'type' | 'dynamic' };
export type Graph = Map<string, Edge[]>;

/** The layer a file belongs to, or undefined. */
export function layerOf(file: string, legacy: Record<string, string> = LEGACY): string | undefined {
  const old = Object.keys(legacy)
    .filter((k) => file === k || (k.endsWith('/') && file.startsWith(k)))
    .sort((a, b) => b.length - a.length)[0];
  if (old) return legacy[old];
  return LAYERS.filter((l) => file === l || file.startsWith(`${l}/`)).sort((a, b) => b.length - a.length)[0];
}

const STATIC = /^[ \t]*(import|export)\s+(type\s+)?(\*\s*(?:as\s+[\w$]+)?|\{[^}]*\}|[\w$]+(?:\s*,\s*(?:\{[^}]*\}|\*\s*as\s+[\w$]+))?)\s*from\s*(['"])([^'"]+)\4/gm;
const BARE = /^[ \t]*import\s*(['"])([^'"]+)\1/gm;
const DYNAMIC = /\bimport\(\s*(['"])([^'"]+)\1\s*\)|\bnew\s+URL\(\s*(['"])(\.[^'"]+)\3\s*,\s*import\.meta\.url/g;

/** Every import of a TypeScript source: specifier and kind (an import whose bindings are all `type` is a type import). */
export function importsOf(source: string): Array<{ specifier: string; kind: Edge['kind'] }> {
  const found: Array<{ specifier: string; kind: Edge['kind'] }> = [];
  for (const m of source.matchAll(STATIC)) {
    const clause = m[3]!;
    const allTypes = clause.startsWith('{') && clause.slice(1, -1).split(',').map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith('type '));
    found.push({ specifier: m[5]!, kind: m[2] || allTypes ? 'type' : 'value' });
  }
  for (const m of source.matchAll(BARE)) found.push({ specifier: m[2]!, kind: 'value' });
  for (const m of source.matchAll(DYNAMIC)) found.push({ specifier: (m[2] ?? m[4])!, kind: 'dynamic' });
  return found;
}

/** The import graph of src/ (and tasks/ until the move), by repository-relative path; bare imports under '#bare:'. */
function readGraph(root: string): Graph {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (rel.endsWith('.ts') && !rel.endsWith('.d.ts')) files.push(rel);
    }
  };
  for (const dir of ['src', 'tasks']) if (existsSync(path.join(root, dir))) walk(dir);
  const graph: Graph = new Map();
  for (const file of files.sort()) {
    const edges: Edge[] = [];
    for (const { specifier, kind } of importsOf(readFileSync(path.join(root, file), 'utf8'))) {
      if (!specifier.startsWith('.')) {
        edges.push({ to: `#bare:${specifier}`, kind });
        continue;
      }
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)).replace(/\.js$/, '.ts');
      edges.push({ to: target, kind });
    }
    graph.set(file, edges);
  }
  return graph;
}

/** Imports that go up the layers: "from → to (layer → layer)". */
export function upwardImports(graph: Graph, layer: (file: string) => string | undefined): string[] {
  const rank = (file: string): number => LAYERS.indexOf(layer(file) ?? '');
  const found: string[] = [];
  for (const [from, edges] of graph) {
    for (const { to, kind } of edges) {
      if (to.startsWith('#bare:') || !graph.has(to)) continue;
      if (rank(from) >= 0 && rank(to) > rank(from)) found.push(`${from} → ${to} (${kind}: ${layer(from)} may not import ${layer(to)})`);
    }
  }
  return found;
}

/** Files that import themselves through others (static imports, type ones included): Tarjan's components. */
export function importCycles(graph: Graph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const { to, kind } of graph.get(v) ?? []) {
      if (kind === 'dynamic' || !graph.has(to)) continue;
      if (!index.has(to)) {
        visit(to);
        low.set(v, Math.min(low.get(v)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(v, Math.min(low.get(v)!, index.get(to)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      const selfLoop = (graph.get(v) ?? []).some((e) => e.to === v && e.kind !== 'dynamic');
      if (component.length > 1 || selfLoop) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

describe('layers', () => {
  const graph = readGraph(REPO_ROOT);

  it('reads the tree (positive control: the graph is the real one)', () => {
    assert.ok(graph.size > 100, `only ${graph.size} source files found under ${REPO_ROOT}/src`);
    const index = graph.get('src/index.ts');
    assert.ok(index && index.length > 10, 'src/index.ts and its imports are read');
  });

  it('every source file belongs to a layer', () => {
    const orphans = [...graph.keys()].filter((f) => !layerOf(f));
    assert.deepEqual(orphans, [], `files outside every layer: put them in a layer's folder or add their folder to LAYERS in test/unit/layers.test.ts`);
  });

  it('imports only go down the layers', () => {
    const up = upwardImports(graph, (f) => layerOf(f)).filter((u) => !ALLOWED_UP.has(u.split(' (')[0]!));
    assert.deepEqual(up, [], `imports that go up (README, Layout):\n${up.join('\n')}`);
  });

  it('no file imports itself through others', () => {
    const cycles = importCycles(graph);
    assert.deepEqual(cycles, [], `import cycles:\n${cycles.map((c) => c.join(' → ')).join('\n')}`);
  });

  it('core/ loads no file system, engine, worker or store', () => {
    const bad: string[] = [];
    for (const [from, edges] of graph) {
      if (layerOf(from) !== 'src/core') continue;
      for (const { to } of edges) if (to.startsWith('#bare:') && NOT_IN_CORE.test(to.slice(6))) bad.push(`${from} → ${to.slice(6)}`);
    }
    assert.deepEqual(bad, []);
  });

  it('the checks find what they look for (positive control)', () => {
    const fake: Graph = new Map([
      ['src/core/a.ts', [{ to: 'src/engine/b.ts', kind: 'type' }]],
      ['src/engine/b.ts', [{ to: 'src/engine/c.ts', kind: 'value' }]],
      ['src/engine/c.ts', [{ to: 'src/engine/b.ts', kind: 'type' }, { to: 'src/app/d.ts', kind: 'dynamic' }]],
      ['src/app/d.ts', [{ to: 'src/engine/c.ts', kind: 'dynamic' }]],
    ]);
    const layer = (f: string): string | undefined => layerOf(f, {});
    assert.deepEqual(upwardImports(fake, layer), [
      'src/core/a.ts → src/engine/b.ts (type: src/core may not import src/engine)',
      'src/engine/c.ts → src/app/d.ts (dynamic: src/engine may not import src/app)',
    ]);
    assert.deepEqual(importCycles(fake), [['src/engine/b.ts', 'src/engine/c.ts']], 'a type import closes a cycle; dynamic ones do not');
    assert.deepEqual(
      importsOf("import { a, type B } from './x.js';\nimport { type C } from './y.js';\nexport type { D } from './z.js';\nimport './side.js';\nconst w = new URL('./w.js', import.meta.url);\nawait import('./lazy.js');"),
      [
        { specifier: './x.js', kind: 'value' },
        { specifier: './y.js', kind: 'type' },
        { specifier: './z.js', kind: 'type' },
        { specifier: './side.js', kind: 'value' },
        { specifier: './w.js', kind: 'dynamic' },
        { specifier: './lazy.js', kind: 'dynamic' },
      ],
    );
    assert.equal(layerOf('src/engine/onnx/x.ts', {}), 'src/engine/onnx');
    assert.equal(layerOf('src/engine/x.ts', {}), 'src/engine');
    assert.equal(layerOf('src/core/audit/x.ts', {}), 'src/core');
  });
});
