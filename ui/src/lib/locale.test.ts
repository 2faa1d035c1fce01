import { describe, expect, it } from "vitest";
import { ensureUsableLocale } from "./locale";

describe("ensureUsableLocale", () => {
  it("replaces the POSIX locale WebKitGTK reports under LANG=C", () => {
    const navigator = { language: "C" };
    expect(() => new Intl.NumberFormat(navigator.language)).toThrow(RangeError);
    ensureUsableLocale(navigator);
    expect(navigator.language).toBe("en-US");
    expect(new Intl.NumberFormat(navigator.language).format(1234.5)).toBe("1,234.5");
  });

  it("keeps a usable language", () => {
    const navigator = { language: "de-DE" };
    ensureUsableLocale(navigator);
    expect(navigator.language).toBe("de-DE");
  });
});
