import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

/** Repository root (tests run from build/test/...). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The shared models and data sets: RETRAIN_SHARED, else ../shared beside the repository. */
export const SHARED = path.resolve(process.env.RETRAIN_SHARED ?? path.join(REPO_ROOT, '../shared'));
export const MODEL_DIR = path.join(SHARED, 'models/mobilenet_v2_035_224');
export const DARKNET_DIR = path.join(SHARED, 'models/darknet_tiny_224');
export const HYMENOPTERA = path.join(SHARED, 'datasets/hymenoptera_data');
export const HAS_SHARED = existsSync(path.join(MODEL_DIR, 'model.json')) && existsSync(HYMENOPTERA);

/** Skips the test with a clear reason when ../shared (real weights and photos) is not there. */
export function needsShared(t: TestContext): boolean {
  if (HAS_SHARED) return true;
  t.skip(`shared models/data sets not found at ${SHARED} (set RETRAIN_SHARED)`);
  return false;
}

/** Set (to anything but empty or 0) to keep this run's scratch folders for a look afterwards. */
const KEEP = !['', '0', undefined].includes(process.env.RETRAIN_KEEP_TEST_DIRS);

/**
 * This test file's scratch root (each test file is its own process under `node --test`): every tempDir() folder
 * is made in it and, through TMPDIR (os.tmpdir() reads it, and the processes the tests start inherit it), so is
 * whatever else lands in the temporary folder: Chromium profiles, jiti's transpiled configs, onnxruntime's
 * mat-debug-<pid>.log. Removed with everything in it when the process exits (passed, failed or thrown), unless
 * RETRAIN_KEEP_TEST_DIRS is set: then its path goes to stderr. Made at import, so a test that compares the
 * process's state (listeners, environment) before and after a call sees none of this.
 */
const SCRATCH = mkdtempSync(path.join(os.tmpdir(), 'retrain-test-run-'));
process.env.TMPDIR = SCRATCH;
process.once('exit', () => {
  if (KEEP) process.stderr.write(`RETRAIN_KEEP_TEST_DIRS: kept ${SCRATCH}\n`);
  // Synchronous: nothing asynchronous runs in an 'exit' listener.
  else rmSync(SCRATCH, { recursive: true, force: true, maxRetries: 3 });
});

/** A new empty folder under this test file's scratch root (removed when the process exits). */
export async function tempDir(prefix = 'retrain-test-'): Promise<string> {
  return fs.mkdtemp(path.join(SCRATCH, prefix));
}

/** Copies the first `perClass` photos of each class of hymenoptera `split` (train/val) into a new folder. */
export async function copySubset(perClass: number, split: 'train' | 'val' = 'train', into?: string): Promise<string> {
  const root = into ?? (await tempDir('retrain-images-'));
  for (const label of ['ants', 'bees']) {
    const from = path.join(HYMENOPTERA, split, label);
    const names = (await fs.readdir(from)).filter((n) => n.endsWith('.jpg')).sort().slice(0, perClass);
    await fs.mkdir(path.join(root, label), { recursive: true });
    for (const name of names) await fs.copyFile(path.join(from, name), path.join(root, label, name));
  }
  return root;
}
