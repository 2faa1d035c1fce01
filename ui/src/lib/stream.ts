import type { Subscription } from "./ipc";

/**
 * Opens a live stream and returns the function that ends it. Ending it
 * before the orchestrator has answered still ends it, as soon as it answers:
 * a view closed quickly leaves no subscription behind.
 */
export function openStream(start: () => Promise<Subscription>, onError: (error: unknown) => void): () => void {
  let ended = false;
  let subscription: Subscription | null = null;
  start().then((opened) => {
    if (ended) void opened.close();
    else subscription = opened;
  }, onError);
  return () => {
    ended = true;
    void subscription?.close();
  };
}
