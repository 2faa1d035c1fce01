/**
 * The log filter: plain text (case-insensitive) or a regular expression.
 * An invalid expression hides nothing and says why.
 */
import type { BufferedLine } from "./logBuffer";
import { LogBuffer } from "./logBuffer";
import type { LogLine } from "../bindings/LogLine";

export interface LogFilterSpec {
  text: string;
  regex: boolean;
}

export interface CompiledFilter {
  matches(text: string): boolean;
  /** Why the expression is not usable, or null. */
  error: string | null;
  /** Whether any line can be hidden. */
  active: boolean;
}

const MATCH_ALL: CompiledFilter = { matches: () => true, error: null, active: false };

export function compileFilter(spec: LogFilterSpec): CompiledFilter {
  if (!spec.text) return MATCH_ALL;
  if (!spec.regex) {
    const needle = spec.text.toLowerCase();
    return { matches: (text) => text.toLowerCase().includes(needle), error: null, active: true };
  }
  try {
    const pattern = new RegExp(spec.text, "i");
    return { matches: (text) => pattern.test(text), error: null, active: true };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ...MATCH_ALL, error: `invalid regular expression: ${reason}` };
  }
}

/** A read-only array over `length` items got by index, without copying (the list reads only `length` and indexes). */
function arrayView<T>(length: number, at: (index: number) => T | undefined): readonly T[] {
  return new Proxy([] as T[], {
    get(target, key, receiver) {
      if (key === "length") return length;
      if (typeof key === "string" && /^\d+$/.test(key)) return at(Number(key));
      return Reflect.get(target, key, receiver);
    },
    has(target, key) {
      if (typeof key === "string" && /^\d+$/.test(key)) return Number(key) < length;
      return Reflect.has(target, key);
    },
  });
}

/**
 * The lines the view shows: the buffer with non-matching lines removed,
 * kept incrementally so a busy agent costs only its new lines per batch.
 * Without a filter the view reads the buffer itself: no second array.
 */
export class FilteredLog {
  readonly buffer: LogBuffer;
  #filter: CompiledFilter = MATCH_ALL;
  #visible: BufferedLine[] = [];
  #start = 0;

  constructor(capacity?: number) {
    this.buffer = new LogBuffer(capacity);
  }

  get filter(): CompiledFilter {
    return this.#filter;
  }

  push(batch: LogLine[]): void {
    const added = this.buffer.push(batch);
    if (!this.#filter.active) return;
    for (const line of added) {
      if (this.#filter.matches(line.text)) this.#visible.push(line);
    }
    const oldest = this.buffer.oldestSeq;
    while (this.#start < this.#visible.length && this.#visible[this.#start].seq < oldest) this.#start++;
    if (this.#start >= this.buffer.capacity) {
      this.#visible = this.#visible.slice(this.#start);
      this.#start = 0;
    }
  }

  setFilter(spec: LogFilterSpec): CompiledFilter {
    this.#filter = compileFilter(spec);
    this.#visible = this.#filter.active ? this.buffer.lines().filter((line) => this.#filter.matches(line.text)) : [];
    this.#start = 0;
    return this.#filter;
  }

  /**
   * The lines shown now, as a read-only window onto the kept lines rather
   * than a copy: the view asks for it on every batch, and copying 100,000
   * references ten times a second is garbage the window does not need.
   */
  visible(): readonly BufferedLine[] {
    if (!this.#filter.active) return arrayView(this.buffer.length, (index) => this.buffer.at(index));
    const items = this.#visible;
    const start = this.#start;
    return arrayView(this.visibleCount, (index) => items[start + index]);
  }

  /**
   * The lines shown now as a copy, for a paused view: the window of
   * `visible()` follows the buffer as it overwrites its oldest lines.
   */
  snapshot(): BufferedLine[] {
    return this.#filter.active ? this.#visible.slice(this.#start) : this.buffer.lines();
  }

  get visibleCount(): number {
    return this.#filter.active ? this.#visible.length - this.#start : this.buffer.length;
  }

  clear(): void {
    this.buffer.clear();
    this.#visible = [];
    this.#start = 0;
  }
}
