/** Shared helpers for the recurrent tests. */
import * as fl from "../../src/index.js";
import type { Tensor } from "../../src/index.js";

/**
 * fl.gradcheck over a module's parameters as well as its inputs: gradcheck hands `fn` float64
 * copies of every input, so the module's parameter fields are pointed at those copies while `fn`
 * runs (each parameter field of the cells is named as in the state dict).
 */
export function gradcheckModule(
  module: fl.nn.Module,
  inputs: Tensor[],
  fn: (...inputs: Tensor[]) => Tensor,
  options: fl.GradcheckOptions = {},
): fl.GradcheckResult {
  const named = module.namedParameters();
  const fields = module as unknown as Record<string, Tensor>;
  const saved = named.map(([n]) => fields[n]!);
  try {
    return fl.gradcheck(
      (...xs: Tensor[]) => {
        named.forEach(([n], k) => (fields[n] = xs[inputs.length + k]!));
        return fn(...xs.slice(0, inputs.length));
      },
      [...inputs, ...named.map(([, p]) => p)],
      options,
    );
  } finally {
    named.forEach(([n], k) => (fields[n] = saved[k]!));
  }
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths ${a.length} and ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
