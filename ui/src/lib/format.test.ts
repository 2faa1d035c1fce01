import { describe, expect, it } from "vitest";
import { formatDetail } from "./format";

describe("formatDetail", () => {
  it("shows an object as key=value pairs and anything else as JSON", () => {
    expect(formatDetail({ approval: "d3e4", comment: null, n: 2 })).toBe("approval=d3e4  comment=null  n=2");
    expect(formatDetail([1, 2])).toBe("[1,2]");
    expect(formatDetail("x")).toBe('"x"');
    expect(formatDetail(null)).toBe("");
  });
});
