import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";
import { convOutputSize, convPadded, convRealOnly } from "../../src/lab/counting-conv.js";
import { klEntropy } from "../../src/lab/knn-entropy.js";
import { plainKey } from "../../src/lab/report.js";
import { checkSet, controlByChecks, controlByLimit, decide, limitFit, type LimitPoint } from "../../src/lab/statement.js";
import { chi2Pvalue, sidakZ } from "../../src/lab/stats.js";
import { Generator } from "../../src/random.js";

const st = { kind: "statistical" as const };

/** Noisy measurements of a true law at some settings (the lab's raw material, made up here with a seeded generator). */
function measure(truth: (s: number) => number, settings: number[], se: number, seed = 1) {
  const g = new Generator(seed);
  return settings.map((s) => ({ params: { s }, s, measured: truth(s) + se * g.normal(), uncertainty: se }));
}

describe("statement verdicts", () => {
  const snrs = [0.1, 1, 10, 100];
  const data = measure((r) => 0.5 * Math.log1p(r), snrs, 0.01);
  const rows = (f: (s: number) => number) => data.map((d) => ({ ...d, value: f(d.s) }));

  it("a deliberately wrong key comes out as an erratum when the corrected line agrees", () => {
    const s = decide({
      id: "T.1",
      part: "b",
      key: "I = ln(1 + SNR)",
      kind: "exact",
      checks: checkSet("ln(1 + SNR)", st, rows(Math.log1p)),
      correction: { line: "I = ½ ln(1 + SNR)", reason: "ln σ, not ln σ²", typo: false, checks: checkSet("½ ln(1 + SNR)", st, rows((r) => 0.5 * Math.log1p(r))) },
      controls: [controlByChecks("½ ln SNR", "drops the 1", checkSet("½ ln SNR", st, rows((r) => 0.5 * Math.log(r))))],
      measurement: "synthetic",
    });
    expect(s.verdict).toBe("erratum (substantive)");
    expect(s.controlsRejected).toBe(true);
    const typo = decide({ id: "T.2", part: "b", key: "k", kind: "exact", checks: checkSet("k", st, rows(Math.log1p)), correction: { line: "c", reason: "r", typo: true, checks: checkSet("c", st, rows((r) => 0.5 * Math.log1p(r))) }, measurement: "" });
    expect(typo.verdict).toBe("erratum (typo)");
  });

  it("the correct key is confirmed, and a wrong key with a wrong correction is unresolved, never an erratum", () => {
    expect(decide({ id: "T.3", part: "", key: "k", kind: "exact", checks: checkSet("½ ln(1+SNR)", st, rows((r) => 0.5 * Math.log1p(r))), measurement: "" }).verdict).toBe("confirmed");
    const bad = decide({
      id: "T.4",
      part: "",
      key: "k",
      kind: "exact",
      checks: checkSet("ln(1+SNR)", st, rows(Math.log1p)),
      correction: { line: "¼ ln(1 + SNR)", reason: "wrong fix", typo: true, checks: checkSet("¼", st, rows((r) => 0.25 * Math.log1p(r))) },
      measurement: "",
    });
    expect(bad.verdict).toBe("unresolved");
  });

  it("a control that cannot be told apart from the truth is reported as accepted", () => {
    const s = decide({ id: "T.5", part: "", key: "k", kind: "exact", checks: checkSet("truth", st, rows((r) => 0.5 * Math.log1p(r))), controls: [controlByChecks("the truth again", "no power", checkSet("same", st, rows((r) => 0.5 * Math.log1p(r))))], measurement: "" });
    expect(s.controls[0]!.rejected).toBe(false);
    expect(s.controlsRejected).toBe(false);
  });

  it("a correct approximation comes out as 'to leading order', a wrong leading order does not", () => {
    // measured: (1 + ε)^4 with noise; the key's approximation e^{4ε} is right to leading order, e^{2ε} is not
    const eps = [0.05, 0.1, 0.2, 0.3, 0.4];
    const m = measure((e) => (1 + e) ** 4, eps, 0.004, 7);
    const pts = (expo: (e: number) => number): LimitPoint[] => m.map((d) => ({ s: d.s, rel: Math.log(d.measured) / expo(d.s) - 1, se: d.uncertainty / d.measured / expo(d.s), predicted: Math.log1p(d.s) / d.s - 1 }));
    const good = limitFit("ε", pts((e) => 4 * e), 2, "ln(1 + ε)/ε − 1");
    const wrong = limitFit("ε", pts((e) => 2 * e), 2);
    expect(good.holds).toBe(true);
    expect(good.predicted!.agrees).toBe(true);
    expect(wrong.holds).toBe(false);
    const s = decide({ id: "T.6", part: "c", key: "(1 + ε)^L ≈ e^{Lε}", kind: "approximation", limit: good, controls: [controlByLimit("e^{Lε/2}", "half", wrong)], measurement: "" });
    expect(s.verdict).toBe("confirmed to leading order");
    expect(s.controlsRejected).toBe(true);
    const w = decide({ id: "T.7", part: "c", key: "(1 + ε)^L ≈ e^{Lε/2}", kind: "approximation", limit: wrong, measurement: "" });
    expect(w.verdict).toBe("unresolved");
    expect(() => limitFit("ε", pts((e) => 4 * e).slice(0, 3), 2)).toThrow(/degree of freedom/);
  });

  it("notation: the stated reading agrees and the literal one fails", () => {
    const exact = { kind: "exact" as const, tolerance: 1e-12, why: "rounding" };
    const s = decide({
      id: "T.8",
      part: "",
      key: "x[b,c']",
      kind: "exact",
      reading: { how: "x^t[b,c']", checks: checkSet("read", exact, [{ value: 0, measured: 1e-16 }]), literal: checkSet("literal", exact, [{ value: 0, measured: 0.5 }]) },
      measurement: "",
    });
    expect(s.verdict).toBe("notation");
  });

  it("statistics: Šidák threshold and χ² p-values", () => {
    expect(sidakZ(0.0027, 1)).toBeCloseTo(3.0, 2);
    expect(sidakZ(0.001, 10)).toBeGreaterThan(sidakZ(0.001, 1));
    expect(chi2Pvalue(3.841, 1)).toBeCloseTo(0.05, 3);
    expect(chi2Pvalue(18.307, 10)).toBeCloseTo(0.05, 3);
  });
});

describe("lab instruments", () => {
  it("the counting convolution computes fl.conv2d and counts every product it executes", () => {
    for (const [B, D, N, Cx, Cy] of [
      [2, 6, 3, 2, 3],
      [1, 5, 2, 1, 2],
      [1, 4, 1, 3, 1],
    ] as const) {
      const p = Math.floor(N / 2);
      const x = fl.randn([B, Cx, D, D], { seed: 3, dtype: "float64" });
      const w = fl.randn([Cy, Cx, N, N], { seed: 4, dtype: "float64" });
      const y = fl.conv2d(x, w, null, { padding: p });
      const a = convPadded(x.data as Float64Array, w.data as Float64Array, B, Cx, D, Cy, N, p);
      const r = convRealOnly(x.data as Float64Array, w.data as Float64Array, B, Cx, D, Cy, N, p);
      const O = convOutputSize(D, N, p);
      expect(y.shape[2]).toBe(O);
      expect(O).toBe(N % 2 ? D : D + 1);
      expect(a.multiplies).toBe(B * O * O * N * N * Cx * Cy);
      if (N % 2) expect(r.multiplies).toBe(B * Cx * Cy * (N * D - p * (p + 1)) ** 2);
      for (let i = 0; i < y.size; i++) {
        expect(a.y[i]).toBeCloseTo(y.data[i]!, 10);
        expect(r.y[i]).toBeCloseTo(y.data[i]!, 10);
      }
    }
  });

  it("the Kozachenko–Leonenko estimator recovers a Gaussian's entropy and shifts by ln k under units ×k", () => {
    const xs = fl.randn([4000], { seed: 9, dtype: "float64" }).data;
    const h = klEntropy(xs);
    expect(Math.abs(h.estimate - 0.5 * (1 + Math.log(2 * Math.PI)))).toBeLessThan(4 * h.stderr + 0.01);
    const hk = klEntropy(Float64Array.from(xs, (v) => 1000 * v));
    expect(hk.estimate - h.estimate).toBeCloseTo(Math.log(1000), 9);
  });

  it("the key's LaTeX reads as plain text in the terminal", () => {
    expect(plainKey("$$\\sigma_w \\approx \\sqrt{\\frac{\\ln 2}{LN^2 C}}$$")).toBe("σ_w ≈ √((ln 2)/(LN^2 C))");
    expect(plainKey("$\\sigma_w^2 \\rightarrow 0$")).toBe("σ_w^2 → 0");
  });
});
