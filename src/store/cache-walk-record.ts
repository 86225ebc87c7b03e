/**
 * What retrain last knew to be sound about its LMDB data file, so an unchanged file is not walked page by
 * page again on every open (the walk reads every B-tree page: ~2 s at 100,000 entries). The record, a small
 * JSON file beside the cache (`cache.lmdb-walked.json`), holds the file's size, inode, device, mtime and ctime
 * (nanoseconds), LMDB's last transaction id and a digest of both meta pages. It is written, atomically, after
 * a walk found the file sound and after retrain closed a cache it had checked (its own last write). The walk
 * is skipped only when every one of these is the same now; ctime cannot be set back from user space (utimes
 * restores mtime and moves ctime), so bytes overwritten behind retrain's back are walked. A missing, foreign
 * or unreadable record means: walk.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';

const VERSION = 1;

/** The facts an open compares with the record. */
export interface WalkFacts {
  size: string;
  ino: string;
  dev: string;
  mtimeNs: string;
  ctimeNs: string;
  txnid: string;
  metaDigest: string;
}

/** The record's path for an LMDB data file. */
export function walkRecordPath(dataFile: string): string {
  return `${dataFile}-walked.json`;
}

/** The facts of an open data file, from its (bigint) stat and the bytes read from both meta pages. */
export function walkFacts(stat: fs.BigIntStats, txnid: bigint, metaPages: Buffer[]): WalkFacts {
  const digest = createHash('sha256');
  for (const page of metaPages) digest.update(page);
  return {
    size: String(stat.size),
    ino: String(stat.ino),
    dev: String(stat.dev),
    mtimeNs: String(stat.mtimeNs),
    ctimeNs: String(stat.ctimeNs),
    txnid: String(txnid),
    metaDigest: digest.digest('hex'),
  };
}

/** The recorded facts for `dataFile`, or undefined when there is no sound record. */
export function readWalkRecord(dataFile: string): WalkFacts | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(walkRecordPath(dataFile), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const record = parsed as Record<string, unknown>;
  if (record.version !== VERSION) return undefined;
  const keys: (keyof WalkFacts)[] = ['size', 'ino', 'dev', 'mtimeNs', 'ctimeNs', 'txnid', 'metaDigest'];
  if (!keys.every((key) => typeof record[key] === 'string')) return undefined;
  return Object.fromEntries(keys.map((key) => [key, record[key]])) as unknown as WalkFacts;
}

export function sameFacts(a: WalkFacts, b: WalkFacts): boolean {
  return a.size === b.size && a.ino === b.ino && a.dev === b.dev && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs && a.txnid === b.txnid && a.metaDigest === b.metaDigest;
}

/**
 * Writes the record atomically (a temp file renamed over it). A record that cannot be written (a read-only
 * folder) is no error: the next open walks.
 */
export function writeWalkRecord(dataFile: string, facts: WalkFacts): void {
  const file = walkRecordPath(dataFile);
  const temp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    fs.writeFileSync(temp, `${JSON.stringify({ version: VERSION, ...facts })}\n`);
    fs.renameSync(temp, file);
  } catch {
    fs.rmSync(temp, { force: true });
  }
}

/** Forgets the record (the file it described was moved aside or found damaged). */
export function dropWalkRecord(dataFile: string): void {
  try {
    fs.rmSync(walkRecordPath(dataFile), { force: true });
  } catch {
    // A read-only folder: the record stays, and describes a file that is not there any more (a walk).
  }
}
