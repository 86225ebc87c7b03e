import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readEvaluation, writeEvaluation, type StoredEvaluation } from '../../src/pipeline/stored-evaluation.js';
import { tempDir } from '../helpers/shared.js';

const evaluation = (accuracy: number) => ({ accuracy, count: 4, confusion: [[2, 0], [1, 1]], misclassified: [] }) as unknown as StoredEvaluation['test'];

describe('stored evaluations (an up-to-date build reports them without reading a vector)', () => {
  it('read back as written, and a changed byte is a miss, never a different accuracy', async () => {
    const dir = await tempDir('retrain-evaluation-');
    const stored: StoredEvaluation = { test: evaluation(0.625), validation: evaluation(0.875) };
    await writeEvaluation(dir, 'k1', stored);
    assert.deepEqual(await readEvaluation(dir, 'k1'), stored);

    // Overwrite the test accuracy's 8 bytes with another valid double (0.625 → 0.125): still a well-formed value.
    const file = path.join(dir, 'evaluations', 'k1.v8');
    const bytes = await fs.readFile(file);
    const at = bytes.indexOf(Buffer.from(new Float64Array([0.625]).buffer));
    assert.ok(at >= 0, 'the accuracy is stored as a double');
    Buffer.from(new Float64Array([0.125]).buffer).copy(bytes, at);
    await fs.writeFile(file, bytes);
    assert.equal(await readEvaluation(dir, 'k1'), undefined);
    // Stored under another key: a miss too.
    await fs.copyFile(path.join(dir, 'evaluations', 'k1.v8'), path.join(dir, 'evaluations', 'k2.v8'));
    await writeEvaluation(dir, 'k1', stored);
    await fs.copyFile(path.join(dir, 'evaluations', 'k1.v8'), path.join(dir, 'evaluations', 'k2.v8'));
    assert.equal(await readEvaluation(dir, 'k2'), undefined);
  });
});
