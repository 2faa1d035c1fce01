/**
 * The log view's memory bound: the newest `capacity` lines, each numbered so
 * a filtered view can tell which of its lines have been evicted.
 */
import type { LogLine } from "../bindings/LogLine";

export const LOG_CAPACITY = 100_000;

export interface BufferedLine extends LogLine {
  seq: number;
}

/**
 * Appends are amortised O(1): evicted lines are skipped by an offset and the
 * backing array is compacted once the dead prefix is as long as the buffer.
 */
export class LogBuffer {
  #items: BufferedLine[] = [];
  #start = 0;
  #nextSeq = 0;

  constructor(readonly capacity: number = LOG_CAPACITY) {}

  /** Appends a batch and returns the lines as stored (with their numbers). */
  push(batch: LogLine[]): BufferedLine[] {
    const added = batch.map((line) => ({ ...line, seq: this.#nextSeq++ }));
    for (const line of added) this.#items.push(line);
    const excess = this.length - this.capacity;
    if (excess > 0) this.#start += excess;
    if (this.#start >= this.capacity) {
      this.#items = this.#items.slice(this.#start);
      this.#start = 0;
    }
    return added.slice(Math.max(0, added.length - this.capacity));
  }

  get length(): number {
    return this.#items.length - this.#start;
  }

  /** The number of the oldest line still kept (= next number when empty). */
  get oldestSeq(): number {
    return this.length > 0 ? this.#items[this.#start].seq : this.#nextSeq;
  }

  /** Lines ever received, kept or not. */
  get received(): number {
    return this.#nextSeq;
  }

  lines(): BufferedLine[] {
    return this.#items.slice(this.#start);
  }

  clear(): void {
    this.#items = [];
    this.#start = 0;
  }
}
