/**
 * One component per test, mounted in a fresh element and torn down after it
 * (with the IPC mock and the toasts), so tests read only what they check.
 */
import { afterEach, beforeEach } from "vitest";
import { mount, unmount, type Component } from "svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import { toasts } from "../lib/toasts.svelte";

export function mountedPerTest() {
  let target: HTMLElement | null = null;
  let component: ReturnType<typeof mount> | null = null;

  const close = () => {
    if (component) unmount(component);
    component = null;
  };

  beforeEach(() => {
    toasts.items = [];
    target = document.body.appendChild(document.createElement("div"));
  });
  afterEach(() => {
    close();
    target?.remove();
    clearMocks();
  });

  return {
    get target(): HTMLElement {
      if (!target) throw new Error("no test is running");
      return target;
    },
    open<Props extends Record<string, unknown>>(view: Component<Props>, props?: Props): void {
      component = mount(view, { target: this.target, props: props as Props });
    },
    /** Unmounts now, as leaving the view does. */
    close,
  };
}
