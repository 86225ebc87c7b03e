/**
 * The image suffixes recorded in src/images/sharp-formats.ts (so a scan need not load sharp) are exactly what
 * the installed sharp decodes, and the scan uses the record only for the version it was taken from.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import type Sharp from 'sharp';
import { decodableSuffixes, IMAGE_EXTENSIONS, installedSharpVersion } from '../../src/images/image-extensions.js';
import { RECORDED_SHARP_SUFFIXES, RECORDED_SHARP_VERSION } from '../../src/images/sharp-formats.js';

const sharp = createRequire(import.meta.url)('sharp') as typeof Sharp;

describe('the recorded sharp formats', () => {
  it('name the installed sharp version (read without loading sharp)', () => {
    assert.equal(installedSharpVersion(), RECORDED_SHARP_VERSION, `sharp is ${installedSharpVersion()} now: set RECORDED_SHARP_VERSION and RECORDED_SHARP_SUFFIXES in src/images/sharp-formats.ts from this test`);
    assert.equal(sharp.versions.sharp, RECORDED_SHARP_VERSION);
  });

  it('list exactly the suffixes sharp.format decodes from memory', () => {
    assert.deepEqual([...RECORDED_SHARP_SUFFIXES], decodableSuffixes(sharp.format), `set RECORDED_SHARP_SUFFIXES to ${JSON.stringify(decodableSuffixes(sharp.format))}`);
    assert.deepEqual([...IMAGE_EXTENSIONS], decodableSuffixes(sharp.format));
    assert.ok(IMAGE_EXTENSIONS.includes('.jpg') && !IMAGE_EXTENSIONS.includes('.heic'));
  });
});
