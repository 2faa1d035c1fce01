import { describe, expect, it } from "vitest";
import { ansiLineToHtml } from "./ansi";

describe("ansiLineToHtml", () => {
  it("colours ANSI sequences", () => {
    const html = ansiLineToHtml("\u001b[31mred\u001b[0m plain");
    expect(html).toMatch(/^<span style="color:rgb\(187, 0, 0\)">red<\/span> plain$/);
  });

  it("escapes markup in the text, so a log line cannot inject elements", () => {
    const html = ansiLineToHtml('<img src=x onerror="alert(1)"> & <script>x</script>');
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<script");
    expect(html).toBe("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &lt;script&gt;x&lt;/script&gt;");
  });

  it("escapes markup inside coloured text too", () => {
    const html = ansiLineToHtml("\u001b[32m<b>bold?</b>\u001b[0m");
    expect(html).toContain("&lt;b&gt;bold?&lt;/b&gt;");
    expect(html).not.toContain("<b>");
  });
});
