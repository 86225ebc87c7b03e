/**
 * Walks every page reachable from an LMDB file's current meta page with plain reads (no mapping) and
 * checks that LMDB could follow it without leaving the file or the page: a page header whose number and
 * kind are what the parent says, node offsets and sizes inside the page, child and overflow page numbers
 * up to the last page, overflow page counts that fit. The meta-page check (cache-file-check.ts) cannot see
 * damage inside these pages, and LMDB follows such damage into wild pointers (SIGSEGV) that no JS can catch.
 *
 * Layout of the liblmdb bundled with lmdb-js (node_modules/lmdb/dependencies/lmdb/libraries/liblmdb/mdb.c,
 * 64-bit pgno_t): page header = pgno u64, txnid u64, pad u16, flags u16, lower u16, upper u16 (overflow
 * pages: a u32 page count in place of lower/upper); node pointers (u16, offsets after the header) follow the
 * header; a node = lo u16, hi u16, flags u16, ksize u16, key, data. A branch node's child is
 * lo | hi << 16 | flags << 32; a leaf node's data size is lo | hi << 16, its data an 8-byte overflow page
 * number when F_BIGDATA, a 48-byte MDB_db (root at +40) when F_SUBDATA.
 */
import fs from 'node:fs';

/** LMDB's page header (pgno, txnid, pad, flags, lower/upper): the same on every page, meta pages too. */
export const PAGE_HEADER = 24;
const NODE = 8;
const P_BRANCH = 0x01;
const P_LEAF = 0x02;
const P_OVERFLOW = 0x04;
const P_LEAF2 = 0x20;
const F_BIGDATA = 0x01;
const F_SUBDATA = 0x02;
const F_DUPDATA = 0x04;
/** An MDB_db record (a database's root and counts). */
export const DB_RECORD = 48;
/** LMDB's 'no page' (an empty database's root). */
export const P_INVALID = 0xffffffffffffffffn;
/** LMDB's cursor stack depth (CURSOR_STACK): no sound tree is deeper. */
const MAX_DEPTH = 32;

/**
 * Why the trees of the LMDB file behind `fd` cannot be followed safely, or undefined when they can.
 * `readOverflowHeaders` also reads the first page of every large value (one read per value: ~100 ms for
 * 20,000 values, so `cache verify` does it and an open does not; reads of a value only need its pages to
 * lie inside the file, which is always checked).
 */
export function walkPages(fd: number, pageSize: number, lastPage: number, roots: bigint[], readOverflowHeaders: boolean): string | undefined {
  const header = Buffer.alloc(PAGE_HEADER);
  const seen = new Set<number>();

  const pageNumber = (value: bigint, what: string): number | string => {
    if (value < 2n || value > BigInt(lastPage)) return `${what} points to page ${value}, outside the file's pages 2..${lastPage}`;
    return Number(value);
  };

  const overflow = (pgno: number, size: number): string | undefined => {
    const needed = Math.floor((PAGE_HEADER - 1 + size) / pageSize) + 1;
    if (pgno + needed - 1 > lastPage) return `a value of ${size} bytes on overflow page ${pgno} runs past the file's last page ${lastPage}`;
    if (!readOverflowHeaders) return undefined;
    if (fs.readSync(fd, header, 0, PAGE_HEADER, pgno * pageSize) !== PAGE_HEADER) return `overflow page ${pgno} cannot be read`;
    if (header.readBigUInt64LE(0) !== BigInt(pgno)) return `overflow page ${pgno} says it is page ${header.readBigUInt64LE(0)}`;
    if (!(header.readUInt16LE(18) & P_OVERFLOW)) return `page ${pgno} should be an overflow page`;
    const pages = header.readUInt32LE(20);
    if (pages < needed || pgno + pages - 1 > lastPage) return `overflow page ${pgno} gives ${pages} pages for ${size} bytes (file ends at page ${lastPage})`;
    return undefined;
  };

  const walk = (pgno: number, depth: number): string | undefined => {
    if (depth > MAX_DEPTH) return `a tree deeper than ${MAX_DEPTH} levels at page ${pgno} (a loop)`;
    if (seen.has(pgno)) return `page ${pgno} is reached twice (a loop or shared page)`;
    seen.add(pgno);
    const page = Buffer.allocUnsafe(pageSize);
    if (fs.readSync(fd, page, 0, pageSize, pgno * pageSize) !== pageSize) return `page ${pgno} cannot be read`;
    if (page.readBigUInt64LE(0) !== BigInt(pgno)) return `page ${pgno} says it is page ${page.readBigUInt64LE(0)}`;
    const flags = page.readUInt16LE(18);
    const branch = (flags & P_BRANCH) !== 0;
    const leaf = (flags & P_LEAF) !== 0;
    if (branch === leaf || flags & (P_OVERFLOW | 0x08)) return `page ${pgno} has impossible flags 0x${flags.toString(16)}`;
    const lower = page.readUInt16LE(20);
    const upper = page.readUInt16LE(22);
    if (lower % 2 !== 0 || lower > upper || PAGE_HEADER + upper > pageSize) return `page ${pgno} has impossible bounds (lower ${lower}, upper ${upper})`;
    const keys = lower >> 1;
    if (keys === 0 && branch) return `branch page ${pgno} has no entries`;
    if (flags & P_LEAF2) {
      const keySize = page.readUInt16LE(16);
      return keySize === 0 || PAGE_HEADER + keys * keySize > pageSize ? `page ${pgno} has impossible fixed-size keys` : undefined;
    }
    for (let i = 0; i < keys; i++) {
      const ptr = page.readUInt16LE(PAGE_HEADER + 2 * i);
      const at = PAGE_HEADER + ptr;
      if (ptr < upper || at + NODE > pageSize) return `page ${pgno} has a node offset (${ptr}) outside its node area`;
      const lo = page.readUInt16LE(at);
      const hi = page.readUInt16LE(at + 2);
      const nodeFlags = page.readUInt16LE(at + 4);
      const keySize = page.readUInt16LE(at + 6);
      if (at + NODE + keySize > pageSize) return `page ${pgno} has a key running past the page`;
      if (branch) {
        const child = pageNumber(BigInt(lo) | (BigInt(hi) << 16n) | (BigInt(nodeFlags) << 32n), `branch page ${pgno}`);
        if (typeof child === 'string') return child;
        const problem = walk(child, depth + 1);
        if (problem) return problem;
        continue;
      }
      const size = lo | (hi << 16);
      const data = at + NODE + keySize;
      if (nodeFlags & F_BIGDATA) {
        if (data + 8 > pageSize) return `page ${pgno} has an overflow reference running past the page`;
        const target = pageNumber(page.readBigUInt64LE(data), `leaf page ${pgno}`);
        if (typeof target === 'string') return target;
        if (seen.has(target)) return `overflow page ${target} is reached twice`;
        seen.add(target);
        const problem = overflow(target, size);
        if (problem) return problem;
        continue;
      }
      if (data + size > pageSize) return `page ${pgno} has a value running past the page`;
      if (nodeFlags & F_SUBDATA) {
        if (size !== DB_RECORD) return `page ${pgno} has a sub-database record of ${size} bytes`;
        const root = page.readBigUInt64LE(data + 40);
        if (root === P_INVALID) continue;
        const target = pageNumber(root, `a sub-database on page ${pgno}`);
        if (typeof target === 'string') return target;
        const problem = walk(target, depth + 1);
        if (problem) return problem;
      } else if (nodeFlags & F_DUPDATA && size < PAGE_HEADER) {
        return `page ${pgno} has a duplicate sub-page of ${size} bytes`;
      }
    }
    return undefined;
  };

  for (const root of roots) {
    if (root === P_INVALID) continue;
    const start = pageNumber(root, 'a database root');
    if (typeof start === 'string') return start;
    const problem = walk(start, 0);
    if (problem) return problem;
  }
  return undefined;
}
