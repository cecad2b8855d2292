import { describe, expect, it } from "vitest";
import { Interner } from "../../forwarder/interner.ts";

describe("Interner", () => {
  it("returns the first instance for equal values and freezes it deeply", () => {
    const interner = new Interner();
    const first = interner.intern({ requests: { memory: "256Mi" }, env: [{ name: "A", value: "1" }] });
    const again = interner.intern({ requests: { memory: "256Mi" }, env: [{ name: "A", value: "1" }] });
    expect(again).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.requests)).toBe(true);
    expect(Object.isFrozen(first.env[0])).toBe(true);
    expect(interner.intern({ requests: { memory: "512Mi" }, env: [] })).not.toBe(first);
  });

  it("passes primitives, null and undefined through", () => {
    const interner = new Interner();
    expect(interner.intern("x")).toBe("x");
    expect(interner.intern(undefined)).toBeUndefined();
    expect(interner.intern(null)).toBeNull();
    expect(interner.size).toBe(0);
  });

  it("holds at most maxEntries values: when full it starts over, and earlier instances stay intact", () => {
    const interner = new Interner(2);
    const a = interner.intern({ n: 1 });
    interner.intern({ n: 2 });
    expect(interner.size).toBe(2);
    const c = interner.intern({ n: 3 });
    expect(interner.size).toBe(1);
    expect(interner.intern({ n: 3 })).toBe(c);
    const a2 = interner.intern({ n: 1 });
    expect(a2).not.toBe(a);
    expect(a2).toEqual(a);
    expect(a).toEqual({ n: 1 });
  });
});
