/**
 * The RxJS parts this project uses, each loaded from its own module. `import … from 'rxjs'` loads all of
 * RxJS: its CommonJS index requires every operator, and an ES module import makes Node scan each file for
 * named exports. That was the largest single cost of a no-op rebuild's start-up (3.5× what these parts
 * cost through `require`). RxJS's package exports `rxjs/internal/*` paths; the types are RxJS's own.
 */
import { createRequire } from 'node:module';
import type * as Rx from 'rxjs';

const part = createRequire(import.meta.url);
const rx = (path: string) => part(`rxjs/internal/${path}`) as typeof Rx;

export const Observable: typeof Rx.Observable = rx('Observable').Observable;
export type Observable<T> = Rx.Observable<T>;
export const Subject: typeof Rx.Subject = rx('Subject').Subject;
export type Subject<T> = Rx.Subject<T>;
export const Subscription: typeof Rx.Subscription = rx('Subscription').Subscription;
export type Subscription = Rx.Subscription;
export const lastValueFrom: typeof Rx.lastValueFrom = rx('lastValueFrom').lastValueFrom;
export const EMPTY: typeof Rx.EMPTY = rx('observable/empty').EMPTY;
export const defer: typeof Rx.defer = rx('observable/defer').defer;
export const from: typeof Rx.from = rx('observable/from').from;
export const of: typeof Rx.of = rx('observable/of').of;
export const range: typeof Rx.range = rx('observable/range').range;
export const buffer: typeof Rx.buffer = rx('operators/buffer').buffer;
export const bufferCount: typeof Rx.bufferCount = rx('operators/bufferCount').bufferCount;
export const debounceTime: typeof Rx.debounceTime = rx('operators/debounceTime').debounceTime;
export const endWith: typeof Rx.endWith = rx('operators/endWith').endWith;
export const filter: typeof Rx.filter = rx('operators/filter').filter;
export const finalize: typeof Rx.finalize = rx('operators/finalize').finalize;
export const ignoreElements: typeof Rx.ignoreElements = rx('operators/ignoreElements').ignoreElements;
export const map: typeof Rx.map = rx('operators/map').map;
export const mergeMap: typeof Rx.mergeMap = rx('operators/mergeMap').mergeMap;
export const share: typeof Rx.share = rx('operators/share').share;
export const tap: typeof Rx.tap = rx('operators/tap').tap;
export const toArray: typeof Rx.toArray = rx('operators/toArray').toArray;
export type { OperatorFunction } from 'rxjs';
