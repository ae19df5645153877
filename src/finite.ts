/**
 * The first element of `d` that is NaN or ±Inf, or -1. One summing pass decides the common case
 * (a sum of finite values is finite unless it overflows); only then is the culprit looked for.
 * Anomaly mode, the optimisers and the training guard all ask this.
 */
export function firstNonFinite(d: ArrayLike<number>): number {
  let sum = 0;
  for (let k = 0; k < d.length; k++) sum += d[k]!;
  if (Number.isFinite(sum)) return -1;
  for (let k = 0; k < d.length; k++) if (!Number.isFinite(d[k]!)) return k;
  return -1;
}
