/**
 * A FIFO holding at most `limit` items; pushing onto a full queue evicts the oldest item and
 * counts it. Shift is O(1) amortised, so draining ten thousand held lines stays cheap.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  private evictedCount = 0;

  /** @param limit most items held (at least 1) */
  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`queue limit must be a positive integer, got ${limit}`);
  }

  get size(): number {
    return this.items.length - this.head;
  }

  /** Items evicted by push() since the last takeEvicted(). */
  get evicted(): number {
    return this.evictedCount;
  }

  push(item: T): void {
    if (this.size >= this.limit) {
      this.head++;
      this.evictedCount++;
    }
    this.items.push(item);
    this.compact();
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head];
    this.head++;
    this.compact();
    return item;
  }

  /** Returns the eviction count and resets it. */
  takeEvicted(): number {
    const n = this.evictedCount;
    this.evictedCount = 0;
    return n;
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
