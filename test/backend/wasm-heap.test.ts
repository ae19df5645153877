// The WebAssembly heap: size classes, reuse of freed blocks, a clear error when the memory is full,
// and views that stay valid when the shared memory grows.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { HEAP_BASE, sizeClass, WasmHeap, WasmMemoryFull } from "../../src/backend/fast/heap.js";
import type { WasmRuntime } from "../../src/backend/fast/wasm.js";

const PAGE = 65536;

/** A heap over a fresh shared memory of `pages` pages that may grow to `limitPages`. */
function smallHeap(pages: number, limitPages: number): WasmHeap {
  const memory = new WebAssembly.Memory({ initial: pages, maximum: limitPages, shared: true });
  return new WasmHeap({ memory } as unknown as WasmRuntime, limitPages * PAGE);
}

describe("WasmHeap", () => {
  it("size classes hold the request, are 64-byte multiples and waste at most a quarter", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1 << 30 }), (bytes) => {
        const c = sizeClass(bytes);
        expect(c).toBeGreaterThanOrEqual(bytes);
        expect(c % 64).toBe(0);
        if (bytes > 256) expect(c).toBeLessThanOrEqual(Math.ceil(bytes * 1.25 / 64) * 64 + 64);
      }),
    );
  });

  it("hands a freed block to the next request of its class, and frees each block once", () => {
    const heap = smallHeap(4, 64);
    const a = heap.alloc(10_000);
    const b = heap.alloc(10_000);
    expect(a).toBeGreaterThanOrEqual(HEAP_BASE);
    expect(a % 64).toBe(0);
    expect(b).toBeGreaterThanOrEqual(a + 10_000);
    heap.free(a);
    expect(heap.alloc(9_000)).toBe(a); // same class: the freed block comes back
    expect(() => heap.free(a + 64)).toThrow(/no live block/);
    heap.free(a);
    expect(() => heap.free(a)).toThrow(/freed twice/);
    const s = heap.stats();
    expect(s.blocks).toBe(1);
    expect(s.inUse).toBe(sizeClass(10_000));
  });

  it("grows the memory on demand and keeps earlier views valid (shared memory never detaches)", () => {
    const heap = smallHeap(2, 256);
    const at = heap.alloc(4000);
    const v = heap.f32(at, 1000);
    v.set(Array.from({ length: 1000 }, (_, i) => i * 0.5));
    const big = heap.alloc(8 * 2 ** 20); // forces growth
    expect(heap.stats().memory).toBeGreaterThan(2 * PAGE);
    expect(heap.owns(v)).toBe(true);
    expect(heap.owns(heap.f32(big, 4))).toBe(true);
    expect(heap.owns(new Float32Array(4))).toBe(false);
    expect(v[999]).toBe(499.5);
    heap.f32(at, 1000)[3] = 7; // a view made after growth sees the same numbers
    expect(v[3]).toBe(7);
  });

  it("says what was asked for and what is in use when the memory is full", () => {
    const heap = smallHeap(2, 32); // 2 MiB limit
    heap.alloc(1_000_000);
    let err: unknown;
    try {
      heap.alloc(3 * 2 ** 20);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WasmMemoryFull);
    expect(String((err as Error).message)).toMatch(/asked for 3\.0 MiB; 1\.\d MiB in use in 1 blocks.*limit 2\.0 MiB/);
    // nothing was lost: the live block is still there and smaller requests still succeed
    expect(heap.stats().blocks).toBe(1);
    expect(heap.alloc(1000)).toBeGreaterThan(0);
  });
});

describe("WasmStorage when the memory is full", () => {
  it("falls back to JavaScript arrays with one warning that names the sizes", async () => {
    const { WasmStorage } = await import("../../src/backend/fast/storage.js");
    const { vi } = await import("vitest");
    const heap = smallHeap(2, 16); // 1 MiB limit
    const storage = new WasmStorage(heap);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const a = storage.take(100_000);
      expect(a).not.toBeNull();
      expect(storage.take(300_000)).toBeNull(); // 1.2 MB: over the limit
      expect(storage.take(300_000)).toBeNull();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/asked for 1\.1 MiB; 0\.4 MiB in use in 1 blocks.*limit 1\.0 MiB; storage that would live there goes to JavaScript arrays/);
      expect(storage.give(a!)).toBe(true);
      expect(storage.take(200_000)).not.toBeNull(); // room again once given back
    } finally {
      warn.mockRestore();
    }
  });
});
