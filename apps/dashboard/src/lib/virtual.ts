// Row heights of a virtualised list, with offsets and hit-tests in O(n / BLOCK + BLOCK): sizes live in blocks with
// running block sums, so measuring one row costs O(1) and never recomputes every offset below it (the cost that
// grows with a 100k-row log). Pure; used by the virtual log component.

const BLOCK = 256;

export interface VisibleRange {
  /** First row to render (overscan included). */
  start: number;
  /** One past the last row to render. */
  end: number;
}

export class SizeIndex {
  #estimate: number;
  #sizes = new Float64Array(1024);
  #measured = new Uint8Array(1024);
  #blocks = new Float64Array(4);
  #count = 0;
  #total = 0;

  constructor(estimate: number) {
    this.#estimate = estimate;
  }

  get count(): number {
    return this.#count;
  }

  get total(): number {
    return this.#total;
  }

  /** Grows (or shrinks) to `count` rows; new rows take the estimate until measured. */
  setCount(count: number): void {
    if (count < this.#count) {
      for (let index = count; index < this.#count; index += 1) this.#add(index, -this.#sizes[index]!);
      this.#sizes.fill(0, count, this.#count);
      this.#measured.fill(0, count, this.#count);
      this.#count = count;
      return;
    }
    this.#reserve(count);
    for (let index = this.#count; index < count; index += 1) {
      this.#sizes[index] = this.#estimate;
      this.#add(index, this.#estimate);
    }
    this.#count = count;
  }

  /** Records a row's measured height; returns the change in px (0 when unchanged). */
  setSize(index: number, size: number): number {
    if (index < 0 || index >= this.#count) return 0;
    this.#measured[index] = 1;
    const delta = size - this.#sizes[index]!;
    if (delta === 0) return 0;
    this.#sizes[index] = size;
    this.#add(index, delta);
    return delta;
  }

  sizeOf(index: number): number {
    return this.#sizes[index] ?? 0;
  }

  isMeasured(index: number): boolean {
    return this.#measured[index] === 1;
  }

  /** The top of row `index` (the total height for index === count). */
  offsetOf(index: number): number {
    const clamped = Math.max(0, Math.min(index, this.#count));
    const block = Math.floor(clamped / BLOCK);
    let offset = 0;
    for (let b = 0; b < block; b += 1) offset += this.#blocks[b]!;
    for (let i = block * BLOCK; i < clamped; i += 1) offset += this.#sizes[i]!;
    return offset;
  }

  /** The row at vertical position `offset` (clamped to the rows there are); -1 when empty. */
  indexAt(offset: number): number {
    if (this.#count === 0) return -1;
    if (offset <= 0) return 0;
    let top = 0;
    let block = 0;
    const blocks = Math.ceil(this.#count / BLOCK);
    while (block < blocks - 1 && top + this.#blocks[block]! <= offset) {
      top += this.#blocks[block]!;
      block += 1;
    }
    const last = Math.min(this.#count, (block + 1) * BLOCK) - 1;
    for (let index = block * BLOCK; index < last; index += 1) {
      top += this.#sizes[index]!;
      if (top > offset) return index;
    }
    return last;
  }

  /** The rows to render for a viewport at `scrollTop` of `height` px, with `overscan` rows either side. */
  range(scrollTop: number, height: number, overscan: number): VisibleRange {
    if (this.#count === 0) return { start: 0, end: 0 };
    const first = this.indexAt(scrollTop);
    const last = this.indexAt(scrollTop + Math.max(height, 1) - 1);
    return { start: Math.max(0, first - overscan), end: Math.min(this.#count, last + overscan + 1) };
  }

  #add(index: number, delta: number): void {
    this.#blocks[Math.floor(index / BLOCK)]! += delta;
    this.#total += delta;
  }

  #reserve(count: number): void {
    if (count > this.#sizes.length) {
      let capacity = this.#sizes.length;
      while (capacity < count) capacity *= 2;
      const sizes = new Float64Array(capacity);
      sizes.set(this.#sizes);
      this.#sizes = sizes;
      const measured = new Uint8Array(capacity);
      measured.set(this.#measured);
      this.#measured = measured;
    }
    const blocks = Math.ceil(count / BLOCK);
    if (blocks > this.#blocks.length) {
      const grown = new Float64Array(Math.max(blocks, this.#blocks.length * 2));
      grown.set(this.#blocks);
      this.#blocks = grown;
    }
  }
}
