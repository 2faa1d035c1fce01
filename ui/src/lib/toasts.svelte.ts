/**
 * The toast area's messages: every action reports its success or error here.
 * Successes leave by themselves (unless the pointer rests on them) so they
 * never pile up over a view; errors stay until the operator closes them.
 * At most `MAX_SHOWN` are kept, oldest first (the area draws the newest at
 * the bottom, nearest its corner).
 */
import { describeError } from "./errors";

export interface Toast {
  id: number;
  kind: "success" | "error";
  text: string;
}

export const SUCCESS_MS = 4000;
export const MAX_SHOWN = 3;

export class ToastQueue {
  items: Toast[] = $state([]);
  #nextId = 1;
  #timers = new Map<number, ReturnType<typeof setTimeout>>();

  #add(kind: Toast["kind"], text: string): void {
    const id = this.#nextId++;
    this.items.push({ id, kind, text });
    while (this.items.length > MAX_SHOWN) this.dismiss(this.#oldestToDrop().id);
    if (kind === "success") this.#arm(id);
  }

  /** A success makes room before an error does: errors wait for the operator. */
  #oldestToDrop(): Toast {
    return this.items.find((toast) => toast.kind === "success") ?? this.items[0];
  }

  #arm(id: number): void {
    this.#timers.set(
      id,
      setTimeout(() => this.dismiss(id), SUCCESS_MS),
    );
  }

  success(text: string): void {
    this.#add("success", text);
  }

  error(text: string): void {
    this.#add("error", text);
  }

  /** Reports a failed action, in the same words everywhere. */
  failure(action: string, error: unknown): void {
    this.error(describeError(action, error));
  }

  /** The pointer rests on a toast: it stays while being read. */
  hold(id: number): void {
    clearTimeout(this.#timers.get(id));
    this.#timers.delete(id);
  }

  /** The pointer left: a success gets its full time again. */
  release(id: number): void {
    const toast = this.items.find((item) => item.id === id);
    if (toast?.kind === "success" && !this.#timers.has(id)) this.#arm(id);
  }

  dismiss(id: number): void {
    this.hold(id);
    this.items = this.items.filter((toast) => toast.id !== id);
  }
}

export const toasts = new ToastQueue();
