// The virtual log's size index: offsets, hit-tests and visible ranges over estimated and measured rows.
import { describe, expect, it } from 'vitest';
import { SizeIndex } from './virtual';

describe('SizeIndex', () => {
  it('offsets estimated rows and follows measurements', () => {
    const index = new SizeIndex(10);
    index.setCount(1000);
    expect(index.total).toBe(10_000);
    expect(index.offsetOf(300)).toBe(3000);
    expect(index.setSize(5, 30)).toBe(20);
    expect(index.setSize(5, 30)).toBe(0);
    expect(index.offsetOf(300)).toBe(3020);
    expect(index.total).toBe(10_020);
    expect(index.isMeasured(5)).toBe(true);
    expect(index.isMeasured(6)).toBe(false);
  });

  it('finds the row at an offset, across blocks and at the edges', () => {
    const index = new SizeIndex(10);
    index.setCount(100_000);
    index.setSize(0, 50);
    expect(index.indexAt(-5)).toBe(0);
    expect(index.indexAt(49)).toBe(0);
    expect(index.indexAt(50)).toBe(1);
    expect(index.indexAt(50 + 10 * 700 + 3)).toBe(701);
    expect(index.indexAt(10 ** 9)).toBe(99_999);
    for (const row of [0, 1, 255, 256, 257, 12_345, 99_999]) expect(index.indexAt(index.offsetOf(row))).toBe(row);
  });

  it('gives the visible range with overscan, clamped to the rows', () => {
    const index = new SizeIndex(20);
    index.setCount(1000);
    expect(index.range(0, 100, 3)).toEqual({ start: 0, end: 8 });
    expect(index.range(2000, 100, 3)).toEqual({ start: 97, end: 108 });
    expect(index.range(19_990, 100, 3)).toEqual({ start: 996, end: 1000 });
    expect(new SizeIndex(20).range(0, 100, 3)).toEqual({ start: 0, end: 0 });
  });

  it('grows past its initial capacity and shrinks back', () => {
    const index = new SizeIndex(1);
    index.setCount(5000);
    index.setSize(4999, 11);
    expect(index.total).toBe(5010);
    index.setCount(10);
    expect(index.total).toBe(10);
    index.setCount(20);
    expect(index.total).toBe(20);
    expect(index.isMeasured(4999)).toBe(false);
  });
});
