import { describe, expect, it } from "vitest";
import { judge, makeClaim, SIGMAS, describeTest } from "../../src/lab/verdict.js";
import { meanSe, polyFit, relDiff } from "../../src/lab/stats.js";

describe("lab verdicts", () => {
  it("agrees within SIGMAS standard errors and not beyond", () => {
    const t = { kind: "statistical" as const };
    expect(judge(1.0, 0.1, 1.0 + (SIGMAS - 0.01) * 0.1, t)).toBe("agrees");
    expect(judge(1.0, 0.1, 1.0 + (SIGMAS + 0.01) * 0.1, t)).toBe("disagrees");
    expect(judge(NaN, 0.1, 1, t)).toBe("disagrees");
  });

  it("exact quantities use the stated absolute and relative tolerance", () => {
    expect(judge(576, 0, 576, { kind: "exact", tolerance: 0, why: "count" })).toBe("agrees");
    expect(judge(577, 0, 576, { kind: "exact", tolerance: 0, why: "count" })).toBe("disagrees");
    expect(judge(1 + 1e-13, 0, 1, { kind: "exact", tolerance: 0, relative: 1e-12, why: "rounding" })).toBe("agrees");
    expect(describeTest({ kind: "exact", tolerance: 0, relative: 1e-12, why: "rounding" })).toContain("1e-12");
  });

  it("reports a corrected form only when the key disagrees, and judges it by the same test", () => {
    const base = { id: "x", statement: "s", measured: 0.5, uncertainty: 0.01, test: { kind: "statistical" as const } };
    const corrected = { value: 0.51, formula: "½ ln(1 + SNR)" };
    const agree = makeClaim({ ...base, key: 0.5, corrected });
    expect(agree.verdict).toBe("agrees");
    expect(agree.corrected).toBeNull();
    expect(agree.correctedVerdict).toBeNull();
    const dis = makeClaim({ ...base, key: 1.0, corrected });
    expect(dis.verdict).toBe("disagrees");
    expect(dis.corrected).toBe(0.51);
    expect(dis.correctedVerdict).toBe("agrees");
    const wrongFix = makeClaim({ ...base, key: 1.0, corrected: { value: 0.7, formula: "f" } });
    expect(wrongFix.correctedVerdict).toBe("disagrees");
    const none = makeClaim({ ...base, key: 1.0 });
    expect(none.corrected).toBeNull();
    expect(none.note).toMatch(/no corrected/);
    // identity claims: the corrected expression brings its own measured difference
    const id = makeClaim({ id: "y", statement: "s", key: 0, measured: 0.9, uncertainty: 0, test: { kind: "exact", tolerance: 1e-10, why: "r" }, corrected: { value: 0, formula: "g", measured: 1e-16 } });
    expect([id.verdict, id.correctedVerdict, id.correctedMeasured]).toEqual(["disagrees", "agrees", 1e-16]);
  });

  it("statistics helpers", () => {
    const m = meanSe([1, 2, 3, 4]);
    expect(m.mean).toBe(2.5);
    expect(m.se).toBeCloseTo(Math.sqrt(5 / 3 / 4), 12);
    expect(relDiff([1, 2.5], [1, 2])).toBeCloseTo(0.25, 12);
    // an exact quadratic is recovered, intercept and all
    const xs = [0.1, 0.2, 0.3, 0.5];
    const fit = polyFit(xs, xs.map((x) => 2 - x + 3 * x * x), [1, 1, 1, 1], 2);
    expect(fit.coef[0]).toBeCloseTo(2, 9);
    expect(fit.coef[2]).toBeCloseTo(3, 9);
  });
});
