/**
 * WebKitGTK reports a POSIX locale ("C" under LANG=C.UTF-8, as on CI) as
 * `navigator.language`, which Intl rejects with a RangeError; uPlot formats
 * its axes with that tag. An unusable tag is replaced by "en-US".
 */
export const FALLBACK_LOCALE = "en-US";

function usable(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length > 0;
  } catch {
    return false;
  }
}

export function ensureUsableLocale(target: { readonly language: string }): void {
  if (usable(target.language)) return;
  Object.defineProperty(target, "language", { value: FALLBACK_LOCALE, configurable: true });
}
