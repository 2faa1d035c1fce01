/** The one confirm dialog; destructive actions await `confirmAction(...)`. */
export interface ConfirmRequest {
  title: string;
  message: string;
  confirmLabel: string;
}

class ConfirmState {
  request: ConfirmRequest | null = $state(null);
  #resolve: ((ok: boolean) => void) | null = null;

  ask(request: ConfirmRequest): Promise<boolean> {
    // A second question replaces the first, which counts as declined.
    this.#resolve?.(false);
    this.request = request;
    return new Promise((resolve) => (this.#resolve = resolve));
  }

  answer(ok: boolean): void {
    this.#resolve?.(ok);
    this.#resolve = null;
    this.request = null;
  }
}

export const confirmState = new ConfirmState();
export const confirmAction = (request: ConfirmRequest) => confirmState.ask(request);
