/**
 * Checks an LMDB data file with plain reads before LMDB maps it. LMDB trusts its file: a truncated file
 * makes it touch pages past the end of the mapping (SIGBUS), and a foreign or scrambled file sends it
 * through wild pointers (SIGSEGV). Neither can be caught, so the file is checked first.
 *
 * The layout is that of the liblmdb bundled with lmdb-js (node_modules/lmdb/dependencies/lmdb/libraries/
 * liblmdb/mdb.c, data format version 2, 64-bit page numbers): pages 0 and 1 are meta pages, each a 24-byte
 * page header (pgno u64, txnid u64, pad u16, flags u16, lower/upper u16) followed by MDB_meta (magic u32,
 * version u32, address u64, mapsize u64, two 48-byte MDB_db records — the first one's md_pad is the page
 * size — then last_pg u64 and txnid u64). Every page up to last_pg is in the file, so the file must be at
 * least (last_pg + 1) pages long. Then every page the current meta page reaches is checked
 * (cache-page-walk.ts): damage inside B-tree pages sends LMDB through wild pointers too — unless the file's
 * facts (size, inode, times, transaction id, meta-page digest) are those of a file retrain last found or left
 * sound (cache-walk-record.ts): then the meta pages are checked and the walk is skipped.
 */
import fs from 'node:fs';
import { DB_RECORD, P_INVALID, PAGE_HEADER, walkPages } from './cache-page-walk.js';
import { sameFacts, walkFacts, type WalkFacts } from './cache-walk-record.js';

const P_META = 0x08;
const MDB_MAGIC = 0xbeefc0de;
const MDB_DATA_VERSION = 2;
const MIN_PAGE = 512;
const MAX_PAGE = 0x10000;
/** Bytes of a meta page that are read: header + MDB_meta up to and including mm_txnid. */
const META_BYTES = PAGE_HEADER + 24 + 2 * DB_RECORD + 16;

export type CacheFileState =
  | { state: 'absent' }
  /** Zero bytes: LMDB writes its meta pages into it on open (a cache being created looks like this). */
  | { state: 'empty' }
  /** `walked`: whether the B-tree pages were walked (false when `facts` matched the trusted ones). */
  | { state: 'ok'; pageSize: number; lastPage: number; facts: WalkFacts; walked: boolean }
  | { state: 'damaged'; reason: string };

interface Meta {
  pageSize: number;
  lastPage: bigint;
  roots: bigint[];
  txnid: bigint;
}

/**
 * Whether `file` is absent, empty, a sound LMDB file as far as its meta pages and B-tree pages tell, or
 * damaged (and why). The B-tree pages are not walked when the file's facts equal `trusted`, nor with
 * `walk: false` (retrain's own file as it leaves it, to record its facts).
 */
export function checkCacheFile(file: string, { thorough = false, trusted, walk: mayWalk = true }: { thorough?: boolean; trusted?: WalkFacts; walk?: boolean } = {}): CacheFileState {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') return { state: 'damaged', reason: 'it is a folder, not an LMDB file' };
    throw error;
  }
  try {
    const stat = fs.fstatSync(fd, { bigint: true });
    if (!stat.isFile()) return { state: 'damaged', reason: 'not a regular file' };
    const size = Number(stat.size);
    if (size === 0) return { state: 'empty' };
    const read = (offset: number): Buffer | undefined => {
      const bytes = Buffer.alloc(META_BYTES);
      return fs.readSync(fd, bytes, 0, META_BYTES, offset) === META_BYTES ? bytes : undefined;
    };
    const first = read(0);
    if (!first) return { state: 'damaged', reason: `${size} bytes, shorter than an LMDB header` };
    const meta0 = parseMeta(first, 0);
    if (typeof meta0 === 'string') return { state: 'damaged', reason: meta0 };
    const { pageSize } = meta0;
    if (size < 2 * pageSize) return { state: 'damaged', reason: `${size} bytes, shorter than LMDB's two meta pages (truncated)` };
    const second = read(pageSize);
    const meta1 = second ? parseMeta(second, 1) : 'meta page 1 cannot be read';
    if (typeof meta1 === 'string') return { state: 'damaged', reason: meta1 };
    if (meta1.pageSize !== pageSize) return { state: 'damaged', reason: `its meta pages disagree on the page size (${pageSize}, ${meta1.pageSize})` };
    let lastPage = 1n;
    for (const meta of [meta0, meta1]) {
      const needed = (meta.lastPage + 1n) * BigInt(pageSize);
      if (needed > BigInt(size)) {
        return { state: 'damaged', reason: `${size} bytes where its pages need ${needed} (truncated)` };
      }
      if (meta.roots.some((root) => root !== P_INVALID && (root < 2n || root > meta.lastPage))) {
        return { state: 'damaged', reason: 'a database root lies outside the file' };
      }
      if (meta.lastPage > lastPage) lastPage = meta.lastPage;
    }
    // LMDB reads the trees of the meta page with the newer transaction: walk them page by page.
    const current = meta1.txnid > meta0.txnid ? meta1 : meta0;
    const facts = walkFacts(stat, current.txnid, [first, second!]);
    const walk = thorough || (mayWalk && (!trusted || !sameFacts(facts, trusted)));
    const problem = walk ? walkPages(fd, pageSize, Number(current.lastPage), current.roots, thorough) : undefined;
    if (problem) return { state: 'damaged', reason: problem };
    return { state: 'ok', pageSize, lastPage: Number(lastPage), facts, walked: walk };
  } finally {
    fs.closeSync(fd);
  }
}

function parseMeta(bytes: Buffer, page: number): Meta | string {
  const flags = bytes.readUInt16LE(18);
  const magic = bytes.readUInt32LE(PAGE_HEADER);
  if (magic !== MDB_MAGIC) {
    if (bytes.readUInt32BE(PAGE_HEADER) === MDB_MAGIC) return 'an LMDB file of the other byte order';
    return page === 0 ? 'not an LMDB file (no LMDB magic number)' : `meta page ${page} has no LMDB magic number`;
  }
  if (!(flags & P_META)) return `page ${page} is not a meta page`;
  const version = bytes.readUInt32LE(PAGE_HEADER + 4) & 0xffff;
  if (version !== MDB_DATA_VERSION) return `LMDB data format ${version}, this LMDB reads ${MDB_DATA_VERSION}`;
  const dbs = PAGE_HEADER + 24;
  const pageSize = bytes.readUInt32LE(dbs);
  if (pageSize < MIN_PAGE || pageSize > MAX_PAGE || (pageSize & (pageSize - 1)) !== 0) return `meta page ${page} gives an impossible page size (${pageSize})`;
  const roots = [bytes.readBigUInt64LE(dbs + 40), bytes.readBigUInt64LE(dbs + DB_RECORD + 40)];
  const lastPage = bytes.readBigUInt64LE(dbs + 2 * DB_RECORD);
  if (lastPage < 1n) return `meta page ${page} gives an impossible last page (${lastPage})`;
  const txnid = bytes.readBigUInt64LE(dbs + 2 * DB_RECORD + 8);
  return { pageSize, lastPage, roots, txnid };
}
