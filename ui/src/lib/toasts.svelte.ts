/** The toast area's messages: every action reports its success or error here. */
import { describeError } from "./errors";

export interface Toast {
  id: number;
  kind: "success" | "error";
  text: string;
}

const SUCCESS_MS = 5000;
const ERROR_MS = 15000;

class Toasts {
  items: Toast[] = $state([]);
  #nextId = 1;

  #add(kind: Toast["kind"], text: string, lifetimeMs: number): void {
    const id = this.#nextId++;
    this.items.push({ id, kind, text });
    setTimeout(() => this.dismiss(id), lifetimeMs);
  }

  success(text: string): void {
    this.#add("success", text, SUCCESS_MS);
  }

  error(text: string): void {
    this.#add("error", text, ERROR_MS);
  }

  /** Reports a failed action, in the same words everywhere. */
  failure(action: string, error: unknown): void {
    this.error(describeError(action, error));
  }

  dismiss(id: number): void {
    this.items = this.items.filter((toast) => toast.id !== id);
  }
}

export const toasts = new Toasts();
