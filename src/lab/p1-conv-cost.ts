/**
 * P1 — cost of a convolution. The key: B·D²·N²·Cx·Cy multiplies for an N×N filter over a D×D image
 * with ⌊N/2⌋ padding, stride 1, Cx → Cy channels, batch B. The lab counts the products an
 * instrumented copy of the definition actually executes (counting-conv.ts) — on the zero-padded
 * image (the key's count) and on real pixels only — after checking that copy's output against
 * fl.conv2d. Even N is included: there ⌊N/2⌋ padding does not keep the image D×D.
 */
import * as fl from "../index.js";
import type { Measurement, ProblemOutput } from "./claim.js";
import { convPadded, convRealOnly } from "./counting-conv.js";
import type { Problem } from "./problem.js";
import { checkSet, controlByChecks, decide } from "./statement.js";
import { maxAbsDiff } from "./stats.js";

type Setting = [B: number, D: number, N: number, Cx: number, Cy: number];

const FULL: Setting[] = [
  [1, 5, 1, 1, 1],
  [1, 8, 3, 1, 1],
  [2, 16, 3, 3, 8],
  [4, 16, 5, 8, 16],
  [2, 32, 7, 4, 4],
  [8, 28, 3, 16, 32],
  [1, 8, 2, 1, 1],
  [2, 12, 4, 3, 5],
];
const QUICK: Setting[] = [
  [1, 8, 3, 1, 1],
  [2, 16, 5, 3, 8],
  [1, 5, 1, 2, 3],
  [1, 8, 2, 1, 1],
];

const KEY = "$$BD^2N^2C_xC_y$$";
const EXACT = { kind: "exact" as const, tolerance: 0, why: "a count" };

/** P1: the multiply count of a convolution. */
export const p1: Problem = {
  id: "P1",
  title: "Cost of a convolution",
  steps: (quick) => (quick ? QUICK : FULL).length,
  async run(ctx): Promise<ProblemOutput> {
    const settings = ctx.quick ? QUICK : FULL;
    const measurements: Measurement[] = [];
    type Row = { B: number; D: number; N: number; Cx: number; Cy: number; p: number; out: number; padded: number; real: number };
    const rows: Row[] = [];
    for (const [B, D, N, Cx, Cy] of settings) {
      const p = Math.floor(N / 2);
      const x = fl.randn([B, Cx, D, D], { seed: 1, dtype: "float64" });
      const w = fl.randn([Cy, Cx, N, N], { seed: 2, dtype: "float64" });
      const prof = fl.profile(() => fl.conv2d(x, w, null, { padding: p }));
      const ref = prof.result;
      const a = convPadded(x.data as Float64Array, w.data as Float64Array, B, Cx, D, Cy, N, p);
      const r = convRealOnly(x.data as Float64Array, w.data as Float64Array, B, Cx, D, Cy, N, p);
      // the instrumented loops must compute the same convolution as the library before their counts mean anything
      const diff = Math.max(maxAbsDiff(a.y, ref.data), maxAbsDiff(r.y, ref.data));
      if (ref.shape[2] !== a.out || diff > 1e-9) throw new Error(`P1: the instrumented convolution differs from fl.conv2d (output ${a.out} vs ${ref.shape[2]}, max |Δ| ${diff})`);
      rows.push({ B, D, N, Cx, Cy, p, out: a.out, padded: a.multiplies, real: r.multiplies });
      const stats = prof.byOp["conv2d"];
      measurements.push({
        name: "fl.profile's conv2d count vs the products executed (padded | real pixels)",
        params: { B, D, N, Cx, Cy, output: `${a.out}×${a.out}` },
        value: stats?.multiplies ?? NaN,
        uncertainty: 0,
        reference: a.multiplies,
        referenceFormula: `real-pixel products: executed ${r.multiplies}, profiler extra.realMultiplies ${stats?.extra?.["realMultiplies"] ?? "—"}`,
        agrees: stats?.multiplies === a.multiplies && stats?.extra?.["realMultiplies"] === r.multiplies,
      });
      await ctx.tick(`P1 B${B} D${D} N${N}`);
    }
    const odd = rows.filter((r) => r.N % 2 === 1);
    const even = rows.filter((r) => r.N % 2 === 0);
    const params = (r: Row) => ({ B: r.B, D: r.D, N: r.N, Cx: r.Cx, Cy: r.Cy });
    const on = (f: (r: Row) => number, pick: (r: Row) => number = (r) => r.padded) => odd.map((r) => ({ params: params(r), value: f(r), measured: pick(r) }));
    const key = (r: Row) => r.B * r.D ** 2 * r.N ** 2 * r.Cx * r.Cy;
    const checks = checkSet("B·D²·N²·Cx·Cy = products executed on the zero-padded image", EXACT, on(key));
    const realLess = odd.map((r) => `${r.D}/${r.N}: ${((1 - r.real / r.padded) * 100).toFixed(0)} %`).join(", ");
    const evenText = even.length
      ? `N odd: at even N, ⌊N/2⌋ padding gives a ${even.map((r) => `${r.out}×${r.out} output for D = ${r.D}, N = ${r.N}`).join("; ")} — measured — and the executed count is B·(D+1)²·N²·Cx·Cy (${even.map((r) => `${r.padded} = ${r.B * (r.D + 1) ** 2 * r.N ** 2 * r.Cx * r.Cy}`).join(", ")}), not the key's ${even.map(key).join(", ")}`
      : "N odd (⌊N/2⌋ padding keeps D×D only for odd N)";
    const statement = decide({
      id: "P1.1",
      part: "",
      key: KEY,
      kind: "exact",
      assumptions: [
        evenText,
        `counts products with padded zeros, as a dense kernel executes them; skipping the products with padded zeros (fundl's reference kernel) executes B·Cx·Cy·(N·D − p(p+1))² — fewer by ${realLess} (D/N)`,
      ],
      checks,
      controls: [
        controlByChecks("B·D²·N²·Cx (Cy dropped)", "forgetting that each output channel has its own filter", checkSet("B·D²·N²·Cx", EXACT, on((r) => r.B * r.D ** 2 * r.N ** 2 * r.Cx))),
        controlByChecks("B·D²·N·Cx·Cy (N for N²)", "counting one filter dimension", checkSet("B·D²·N·Cx·Cy", EXACT, on((r) => r.B * r.D ** 2 * r.N * r.Cx * r.Cy))),
        controlByChecks("B·(D + 2⌊N/2⌋)²·N²·Cx·Cy (padded image size)", "counting positions of the padded input instead of the output", checkSet("B·(D+2p)²·N²·Cx·Cy", EXACT, on((r) => r.B * (r.D + 2 * r.p) ** 2 * r.N ** 2 * r.Cx * r.Cy))),
        controlByChecks("B·Cx·Cy·(N·D − p(p+1))² (real pixels only) as the executed dense count", "believing padded zeros cost nothing in a dense kernel", checkSet("B·Cx·Cy·(N·D − p(p+1))²", EXACT, on((r) => r.B * r.Cx * r.Cy * (r.N * r.D - r.p * (r.p + 1)) ** 2))),
      ],
      measurement: `instrumented definition: ${odd.map((r) => `${r.padded}`).join(", ")} products executed at the ${odd.length} odd-N settings = the key's count exactly`,
    });
    // the real-pixel count has a closed form too; it is a measurement beside the key, with its own check
    const realForm = checkSet("B·Cx·Cy·(N·D − p(p+1))²", EXACT, rows.filter((r) => r.N % 2 === 1).map((r) => ({ params: params(r), value: r.B * r.Cx * r.Cy * (r.N * r.D - r.p * (r.p + 1)) ** 2, measured: r.real })));
    measurements.push({
      name: "products on real pixels only = B·Cx·Cy·(N·D − p(p+1))² (odd N)",
      params: { settings: realForm.checks.length },
      value: realForm.checks.filter((c) => c.agrees).length,
      uncertainty: 0,
      reference: realForm.checks.length,
      agrees: realForm.agrees,
    });
    return {
      setup:
        "An instrumented copy of the definition y[b,c,i,j] = Σ W[c,c',di,dj]·x[b,c',i+di−p,j+dj−p] (src/lab/counting-conv.ts) counts each product as it executes it, once on the zero-padded image and once skipping padded zeros; " +
        "its output is checked against fl.conv2d (float64, padding ⌊N/2⌋) at every setting before its count is used. Counts are exact, so they must equal a formula exactly.",
      statements: [statement],
      measurements,
      plots: [],
    };
  },
};
