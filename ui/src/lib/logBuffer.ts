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
 * A ring of fixed size: a line costs its one object (numbered in place, not
 * copied) and one slot, and a full buffer overwrites its oldest slot rather
 * than growing and compacting arrays, so a flood makes no garbage here
 * beyond the lines it evicts.
 */
export class LogBuffer {
  #ring: (BufferedLine | undefined)[] = [];
  #head = 0;
  #length = 0;
  #nextSeq = 0;

  constructor(readonly capacity: number = LOG_CAPACITY) {}

  /**
   * Appends a batch and returns the lines as stored (with their numbers).
   * The batch's objects become the stored lines: the caller hands them over.
   */
  push(batch: LogLine[]): readonly BufferedLine[] {
    const kept = batch.length > this.capacity ? batch.slice(batch.length - this.capacity) : batch;
    this.#nextSeq += batch.length - kept.length;
    for (const line of kept as BufferedLine[]) {
      line.seq = this.#nextSeq++;
      if (this.#length < this.capacity) {
        this.#ring[(this.#head + this.#length) % this.capacity] = line;
        this.#length++;
      } else {
        this.#ring[this.#head] = line;
        this.#head = (this.#head + 1) % this.capacity;
      }
    }
    return kept as BufferedLine[];
  }

  get length(): number {
    return this.#length;
  }

  /** The line `index` places after the oldest kept one. */
  at(index: number): BufferedLine | undefined {
    return index >= 0 && index < this.#length ? this.#ring[(this.#head + index) % this.capacity] : undefined;
  }

  /** The number of the oldest line still kept (= next number when empty). */
  get oldestSeq(): number {
    return this.#length > 0 ? this.at(0)!.seq : this.#nextSeq;
  }

  /** Lines ever received, kept or not. */
  get received(): number {
    return this.#nextSeq;
  }

  /** A copy of the kept lines, oldest first (for re-filtering, not per batch). */
  lines(): BufferedLine[] {
    return Array.from({ length: this.#length }, (_, index) => this.at(index)!);
  }

  clear(): void {
    this.#ring = [];
    this.#head = 0;
    this.#length = 0;
  }
}
