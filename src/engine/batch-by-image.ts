import { Observable, type OperatorFunction } from '../util/rx.js';

/**
 * Collects work items into batches of about `size` items, without splitting the items of one image that
 * arrive together (an image's distorted variants): a new image starts a new batch once the batch holds
 * `size` items. A batch is emitted when it is full (after the items arriving in the same tick), or
 * `windowMs` after its first item.
 */
export function batchByImage<T>(imageOf: (item: T) => string, size: number, windowMs: number): OperatorFunction<T, T[]> {
  return (source) =>
    new Observable<T[]>((subscriber) => {
      let batch: T[] = [];
      let images = new Set<string>();
      let timer: ReturnType<typeof setTimeout> | undefined;
      let immediate: ReturnType<typeof setImmediate> | undefined;
      const flush = () => {
        clearTimeout(timer);
        clearImmediate(immediate);
        timer = immediate = undefined;
        if (batch.length === 0) return;
        const full = batch;
        batch = [];
        images = new Set();
        subscriber.next(full);
      };
      const subscription = source.subscribe({
        next(item) {
          const image = imageOf(item);
          if (!images.has(image) && batch.length >= size) flush();
          batch.push(item);
          images.add(image);
          timer ??= setTimeout(flush, windowMs);
          if (batch.length >= size) immediate ??= setImmediate(flush);
        },
        error(error) {
          flush();
          subscriber.error(error);
        },
        complete() {
          flush();
          subscriber.complete();
        },
      });
      return () => {
        clearTimeout(timer);
        clearImmediate(immediate);
        subscription.unsubscribe();
      };
    });
}
