import { describe, expect, it } from 'vitest';
import { BoundedQueue } from '../../src/observe/bounded-queue.js';

describe('BoundedQueue', () => {
  it('is first in, first out', () => {
    const q = new BoundedQueue<number>(5);
    [1, 2, 3].forEach((n) => q.push(n));
    expect([q.shift(), q.shift(), q.peek(), q.size]).toEqual([1, 2, 3, 1]);
    expect([q.shift(), q.shift(), q.size]).toEqual([3, undefined, 0]);
  });

  it('evicts the oldest when full and counts the evictions', () => {
    const q = new BoundedQueue<number>(3);
    for (let n = 1; n <= 7; n++) q.push(n);
    expect(q.size).toBe(3);
    expect(q.evicted).toBe(4);
    expect(q.takeEvicted()).toBe(4);
    expect(q.evicted).toBe(0);
    expect([q.shift(), q.shift(), q.shift()]).toEqual([5, 6, 7]);
  });

  it('keeps order across its internal compaction', () => {
    const q = new BoundedQueue<number>(10_000);
    const out: number[] = [];
    for (let n = 0; n < 5_000; n++) {
      q.push(n);
      if (n % 3 === 0) out.push(q.shift()!);
    }
    for (let v = q.shift(); v !== undefined; v = q.shift()) out.push(v);
    expect(out).toEqual(Array.from({ length: 5_000 }, (_, i) => i));
  });

  it('rejects a limit below one', () => {
    expect(() => new BoundedQueue(0)).toThrow(RangeError);
  });
});
