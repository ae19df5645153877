// `fundl bench` machinery on its smallest workload: fundl and both peers timed, ratios computed,
// and an unknown workload named in the error.
import { describe, expect, it } from "vitest";
import { runBench } from "../../src/bench/run.js";

describe("bench", () => {
  it("times fundl and the tfjs peers on gemm-256", async () => {
    const r = await runBench({ quick: true, only: ["gemm-256"], peers: ["tfjs"] });
    expect(r.backend).toBe("fast");
    expect(r.workloads).toHaveLength(1);
    const w = r.workloads[0]!;
    expect(w.ms).toBeGreaterThan(0);
    expect(w.gflops).toBeGreaterThan(0);
    for (const peer of ["tfjs-cpu", "tfjs-wasm"]) {
      const p = w.peers[peer]!;
      expect("error" in p ? p.error : p.ratio, peer).toBeGreaterThan(0);
    }
  });

  it("adds PyTorch as a peer where python3 imports torch, and otherwise says it was skipped", async () => {
    const r = await runBench({ quick: true, only: ["gemm-256"], peers: ["torch"], threads: 1 });
    const w = r.workloads[0]!;
    expect(Object.keys(w.peers)).toEqual(["torch-1t"]);
    const p = w.peers["torch-1t"]!;
    if ("error" in p) expect(p.error).toMatch(/PyTorch not available .*skipped/);
    else {
      expect(p.ratio).toBeGreaterThan(0);
      expect(p.min).toBeLessThanOrEqual(p.max);
      expect(r.peerConfigs["torch-1t"]).toMatch(/PyTorch .*1 thread, OPENBLAS_CORETYPE unset; BLAS: /);
    }
    expect(w.timing!.faults).toBeGreaterThanOrEqual(0); // page faults per step are counted
    expect(r.loadAverages!.before).toHaveLength(3);
  }, 60_000);

  it("takes --reps samples and reports how steady the steps were (slowest over median)", async () => {
    const r = await runBench({ only: ["gemm-256"], peers: ["none"], reps: 7 });
    const t = r.workloads[0]!.timing!;
    expect(t.samples).toBe(7);
    expect(t.slowestOverMedian).toBeCloseTo(t.max / t.ms, 10);
    expect(t.slowestOverMedian).toBeGreaterThanOrEqual(1);
  });

  it("names unknown peers", async () => {
    await expect(runBench({ only: ["gemm-256"], peers: ["torhc"] })).rejects.toThrow(/unknown peer torhc; known: tfjs-cpu, tfjs-wasm, tfjs, torch, none/);
  });

  it("names unknown workloads", async () => {
    await expect(runBench({ only: ["gemm-7"] })).rejects.toThrow(/unknown workload gemm-7; known: gemm-256/);
  });
});
