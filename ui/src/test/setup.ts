/**
 * jsdom lays nothing out and has no ResizeObserver, which virtua needs: this
 * one reports every observed element as 1000×600 once, as a window would,
 * so virtualized lists render their first screen in component tests.
 */
if (typeof window !== "undefined" && window.ResizeObserver === undefined) {
  class FixedSizeResizeObserver {
    constructor(private readonly callback: ResizeObserverCallback) {}
    observe(target: Element): void {
      const contentRect = { width: 1000, height: 600 } as DOMRectReadOnly;
      queueMicrotask(() => this.callback([{ target, contentRect } as ResizeObserverEntry], this as unknown as ResizeObserver));
    }
    unobserve(): void {}
    disconnect(): void {}
  }
  window.ResizeObserver = FixedSizeResizeObserver as unknown as typeof ResizeObserver;
}

// jsdom has no element scrolling; following a log scrolls its list to the end.
if (typeof Element !== "undefined" && !Element.prototype.scrollTo) {
  Element.prototype.scrollTo = function scrollTo(this: Element, options?: ScrollToOptions | number) {
    if (typeof options === "object" && options.top !== undefined) this.scrollTop = options.top;
  } as Element["scrollTo"];
}
