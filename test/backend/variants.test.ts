// Every build of the kernel module (relaxed-SIMD FMA, plain SIMD, and plain SIMD on unshared memory
// for pages without cross-origin isolation) computes the same GEMM as the definition.
import { describe, expect, it } from "vitest";
import { relaxedWasm, simdWasm, singleWasm } from "../../src/backend/fast/wasm-binaries.generated.js";
import { instantiate } from "../../src/backend/fast/wasm.js";
import { enableRelaxedSimdFlag } from "../../src/backend/fast/platform.js";
import { matmulReference } from "../../src/backend/reference.js";
import { maxRelError, randomF32, rng, tolerance } from "./helpers.js";

const variants = [
  { name: "relaxed", base64: relaxedWasm, shared: true },
  { name: "simd", base64: simdWasm, shared: true },
  { name: "single", base64: singleWasm, shared: false },
];

enableRelaxedSimdFlag();

describe("kernel module builds", () => {
  for (const v of variants) {
    it(`${v.name}: gemm matches the definition`, () => {
      const bytes = Uint8Array.from(atob(v.base64), (ch) => ch.charCodeAt(0));
      if (!WebAssembly.validate(bytes)) {
        expect(v.name).toBe("relaxed"); // only relaxed SIMD may be missing from an engine
        console.warn("relaxed SIMD is not available in this engine; its build is untested here");
        return;
      }
      const memory = new WebAssembly.Memory({ initial: 64, maximum: 32768, shared: v.shared });
      const ex = instantiate(new WebAssembly.Module(bytes), memory);
      const r = rng(9);
      for (const [m, n, k, transA, transB] of [[37, 41, 53, false, false], [13, 70, 300, true, false], [61, 9, 17, false, true], [6, 8, 1, true, true]] as const) {
        const a = randomF32(m * k, r), b = randomF32(k * n, r);
        const f32 = new Float32Array(memory.buffer);
        f32.set(a, 0);
        f32.set(b, m * k);
        const cAt = (m * k + k * n) * 4, scratch = cAt + m * n * 4 + 64;
        ex.gemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, 0, transA ? m : k, m * k * 4, transB ? k : n, cAt, n, 0, scratch);
        const got = new Float32Array(memory.buffer, cAt, m * n);
        const want = new Float64Array(m * n);
        matmulReference(a, b, want, { batch: 1, m, n, k, transA, transB, strideA: 0, strideB: 0, accumulate: false });
        expect(maxRelError(got, want)).toBeLessThan(tolerance(k));
      }
    });
  }
});
