/**
 * Runs `load` now and then every `intervalMs`, never two at once: a slow
 * check (a service timing out) delays the next one instead of piling up.
 * `refresh()` runs one immediately unless one is already in flight.
 */
export interface Poller {
  refresh(): Promise<void>;
  stop(): void;
}

export function startPolling(load: () => Promise<void>, intervalMs: number): Poller {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> | undefined;
  let stopped = false;

  const schedule = () => {
    if (!stopped) timer = setTimeout(() => void run(), intervalMs);
  };

  const run = (): Promise<void> => {
    if (inFlight) return inFlight;
    clearTimeout(timer);
    // `load` reports its own failures; a rejection must not stop the polling.
    inFlight = load()
      .catch(() => undefined)
      .finally(() => {
        inFlight = undefined;
        schedule();
      });
    return inFlight;
  };

  void run();
  return {
    refresh: run,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
