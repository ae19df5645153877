/**
 * What the Explorer page shows for an einsum spec and operand shapes: the forward index equation,
 * the swap-rule backward equations (fl.explainEinsum), a float64 gradient check on random inputs
 * (fl.gradcheck), and the multiplies and adds (fl.profile) of the forward einsum and of the backward's
 * swapped einsums (fl.swapSpec).
 * Pure computation, so the page and the tests share it.
 */
import * as fl from "../../src/index.js";

/** Everything the page prints for one spec. */
export interface Exploration {
  spec: string;
  shapes: number[][];
  names: string[];
  outputShape: number[];
  forward: string;
  backward: string[];
  gradcheck: { ok: boolean; maxError: number };
  work: { forward: { multiplies: number; adds: number }; backward: { multiplies: number; adds: number } };
}

/** Parse "10,4; 3,4" into [[10,4],[3,4]] (an empty part is a scalar); throws naming the bad part. */
export function parseShapes(text: string): number[][] {
  return text.split(";").map((part, i) => {
    const t = part.trim();
    if (t === "" || t === "()") return [];
    return t.split(/[,x×\s]+/).filter((s) => s !== "").map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 1 || n > 4096) throw new RangeError(`shapes: operand ${i + 1} has size "${s}"; sizes are whole numbers from 1 to 4096`);
      return n;
    });
  });
}

/** Parse "W, x" into names; empty text gives none (explainEinsum picks x1, x2, …). */
export function parseNames(text: string): string[] | undefined {
  const names = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  return names.length ? names : undefined;
}

/** Explain, check and count one einsum; throws fundl's own errors for a bad spec or shapes. */
export function explore(spec: string, shapes: number[][], names?: string[], seed = 0): Exploration {
  const parsed = fl.parseEinsum(spec, shapes.length);
  const ex = fl.explainEinsum(spec, names);
  const count = shapes.reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);
  if (count > 4096) throw new RangeError(`shapes: ${count} input elements in all; the explorer's gradient check takes at most 4096`);
  const inputs = shapes.map((sh, i) => fl.randn(sh, { dtype: "float64", seed: seed + i }));
  const check = fl.gradcheck((...xs) => fl.einsum(spec, ...xs), inputs);
  const fwd = fl.profile(() => fl.einsum(spec, ...inputs));
  const y = fwd.result;
  // the backward is one swapped einsum per input: y.grad's letters and the other operands → that input's letters
  const gy = fl.onesLike(y);
  const backward = { multiplies: 0, adds: 0 };
  parsed.inputs.forEach((_, i) => {
    const sw = fl.swapSpec(parsed, i);
    const swSpec = `${sw.inputs.map((l) => l.join("")).join(",")}->${sw.output.join("")}`;
    const bwd = fl.profile(() => fl.einsum(swSpec, gy, ...inputs.filter((_, j) => j !== i)));
    backward.multiplies += bwd.total.multiplies;
    backward.adds += bwd.total.adds;
  });
  return {
    spec,
    shapes,
    names: names ?? parsed.inputs.map((_, i) => (parsed.inputs.length === 1 ? "x" : `x${i + 1}`)),
    outputShape: [...y.shape],
    forward: ex.forward,
    backward: ex.backward,
    gradcheck: { ok: check.ok, maxError: check.maxError },
    work: { forward: { multiplies: fwd.total.multiplies, adds: fwd.total.adds }, backward },
  };
}
