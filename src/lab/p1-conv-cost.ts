/**
 * P1 — cost of a convolution. The key: B·D²·N²·Cx·Cy multiplies for an N×N filter over a D×D image
 * with ⌊N/2⌋ padding, stride 1, Cx → Cy channels, batch B. We count with fl.profile (the count conv2d
 * reports for its index equation), count again by walking the definition's loops one product at a
 * time, and time the forward pass for the achieved multiplies per second.
 */
import * as fl from "../index.js";
import type { Claim, Measurement, PlotSpec, ProblemOutput } from "./claim.js";
import type { Problem } from "./problem.js";
import { meanSe } from "./stats.js";
import { makeClaim } from "./verdict.js";

type Setting = [B: number, D: number, N: number, Cx: number, Cy: number];

const FULL: Setting[] = [
  [1, 5, 1, 1, 1],
  [1, 8, 3, 1, 1],
  [2, 16, 3, 3, 8],
  [4, 16, 5, 8, 16],
  [2, 32, 7, 4, 4],
  [8, 28, 3, 16, 32],
  [16, 14, 3, 32, 32],
];
const QUICK: Setting[] = [
  [1, 8, 3, 1, 1],
  [2, 16, 5, 3, 8],
  [4, 16, 3, 8, 16],
];

/**
 * Walk y[b,c,i,j] = Σ_{c',di,dj} W[c,c',di,dj]·x[b,c',i+di−p, j+dj−p] and count its products: all of
 * them, and those whose x index is inside the image (the rest multiply a padded zero).
 */
function countByLoops(B: number, D: number, N: number, Cx: number, Cy: number): { all: number; real: number } {
  const p = Math.floor(N / 2);
  let all = 0;
  let real = 0;
  // the counts do not depend on b, c, c'; walk the positions and taps once and multiply
  let perPlane = 0;
  let realPerPlane = 0;
  for (let i = 0; i < D; i++)
    for (let j = 0; j < D; j++)
      for (let di = 0; di < N; di++)
        for (let dj = 0; dj < N; dj++) {
          perPlane++;
          const r = i + di - p;
          const s = j + dj - p;
          if (r >= 0 && r < D && s >= 0 && s < D) realPerPlane++;
        }
  all = B * Cy * Cx * perPlane;
  real = B * Cy * Cx * realPerPlane;
  return { all, real };
}

export const p1: Problem = {
  id: "P1",
  title: "Cost of a convolution",
  steps: (quick) => (quick ? QUICK : FULL).length,
  async run(ctx): Promise<ProblemOutput> {
    const settings = ctx.quick ? QUICK : FULL;
    const reps = ctx.quick ? 3 : 6;
    const claims: Claim[] = [];
    const measurements: Measurement[] = [];
    const rate: { x: number; y: number; lo: number; hi: number }[] = [];
    for (const [B, D, N, Cx, Cy] of settings) {
      const x = fl.randn([B, Cx, D, D], { seed: 1 });
      const w = fl.randn([Cy, Cx, N, N], { seed: 2 });
      const opts = { padding: "same" as const };
      const prof = fl.profile(() => fl.conv2d(x, w, null, opts));
      const stats = prof.byOp["conv2d"];
      const counted = stats?.multiplies ?? NaN;
      const realCounted = stats?.extra?.["realMultiplies"] ?? NaN;
      const loops = countByLoops(B, D, N, Cx, Cy);
      const params = { B, D, N, Cx, Cy };
      const key = B * D * D * N * N * Cx * Cy;
      claims.push(
        makeClaim({
          id: `P1.B${B}D${D}N${N}Cx${Cx}Cy${Cy}`,
          statement: "multiplies of a batched 'same' convolution = B·D²·N²·Cx·Cy (fl.profile count)",
          params,
          key,
          measured: counted,
          uncertainty: 0,
          test: { kind: "exact", tolerance: 0, why: "a count" },
          note:
            loops.all === counted
              ? "the definition's loops, walked product by product, give the same count"
              : `the definition's loops, walked product by product, give ${loops.all}, not the profiler's ${counted}`,
        }),
      );
      // the products that touch real pixels: per axis Σ_i #{di : 0 ≤ i+di−p < D} = N·D − p(p+1)
      const p = Math.floor(N / 2);
      const realForm = B * Cx * Cy * (N * D - p * (p + 1)) ** 2;
      measurements.push({
        name: "multiplies touching real pixels (extra.realMultiplies)",
        params,
        value: realCounted,
        uncertainty: 0,
        reference: realForm,
        referenceFormula: "B·Cx·Cy·(N·D − p(p+1))², p = ⌊N/2⌋ (the rest multiply padded zeros); loops agree: " + (loops.real === realCounted ? "yes" : `no (${loops.real})`),
        agrees: realCounted === realForm,
      });
      // achieved rate: time the forward pass (after one warm-up call)
      fl.noGrad(() => fl.conv2d(x, w, null, opts));
      const rates: number[] = [];
      for (let r = 0; r < reps; r++) {
        const t0 = performance.now();
        fl.noGrad(() => fl.conv2d(x, w, null, opts));
        const s = (performance.now() - t0) / 1000;
        rates.push(key / Math.max(s, 1e-6));
      }
      const m = meanSe(rates);
      rate.push({ x: key, y: m.mean, lo: m.mean - m.se, hi: m.mean + m.se });
      measurements.push({
        name: "achieved multiplies per second (forward, float32)",
        params: { ...params, backend: fl.getBackend(), threads: fl.getThreads() },
        value: m.mean,
        uncertainty: m.se,
        unit: "mult/s",
      });
      await ctx.tick(`P1 B${B} D${D} N${N}`);
    }
    const plots: PlotSpec[] = [
      {
        id: "P1-rate",
        title: "P1: achieved multiplies per second against the size of the convolution",
        xTitle: "multiplies B·D²·N²·Cx·Cy",
        yTitle: "multiplies / s",
        logX: true,
        logY: true,
        series: [{ name: `conv2d forward (${fl.getBackend()} backend, ±1σ over ${reps} runs)`, kind: "measured", points: rate }],
      },
    ];
    return {
      setup:
        `fl.conv2d with padding "same" (⌊N/2⌋ zeros each side for odd N), stride 1, no bias, on B×Cx×D×D inputs and Cy×Cx×N×N weights. ` +
        `The count is fl.profile's multiply count for the conv2d op; it is exact, so it must equal the key exactly. ` +
        `Speed: the forward pass timed ${reps} times after a warm-up, with the ${fl.getBackend()} backend on ${fl.getThreads()} thread(s).`,
      claims,
      measurements,
      plots,
    };
  },
};
