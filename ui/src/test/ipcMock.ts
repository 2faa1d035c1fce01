/**
 * A scripted orchestrator for component tests: answers by command name,
 * records every call, and hands out the Channels the window passed so a
 * test can push batches through them like the Rust side does.
 */
import type { Channel } from "@tauri-apps/api/core";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { flushSync } from "svelte";

export type Answer = unknown | ((args: Record<string, unknown>) => unknown);

export interface IpcCall {
  command: string;
  args: Record<string, unknown>;
}

export function scriptIpc(answers: Record<string, Answer>) {
  const calls: IpcCall[] = [];
  mockIPC((command, payload) => {
    const args = (payload ?? {}) as Record<string, unknown>;
    calls.push({ command, args });
    if (!(command in answers)) throw { kind: "internal", message: `unscripted command ${command}`, fields: [] };
    const answer = answers[command];
    return typeof answer === "function" ? (answer as (a: Record<string, unknown>) => unknown)(args) : answer;
  });
  return {
    calls,
    called: (command: string) => calls.filter((c) => c.command === command),
    channel<T>(command: string, argName: string): Channel<T> {
      const call = calls.find((c) => c.command === command);
      if (!call) throw new Error(`${command} was not called`);
      return call.args[argName] as Channel<T>;
    },
  };
}

export { clearMocks };

/** Lets pending promises and Svelte updates settle. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    flushSync();
  }
}

export function byTestId(root: ParentNode, id: string): HTMLElement {
  const element = root.querySelector<HTMLElement>(`[data-testid="${id}"]`);
  if (!element) throw new Error(`no element with data-testid=${id}`);
  return element;
}

/** Types into an input the way a user does, firing the events Svelte binds to. */
export function typeInto(element: HTMLElement, value: string): void {
  (element as HTMLInputElement).value = value;
  element.dispatchEvent(new Event("input", { bubbles: true }));
  element.dispatchEvent(new Event("change", { bubbles: true }));
}
