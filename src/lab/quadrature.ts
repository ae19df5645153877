/** Expectations over a standard normal by quadrature (trapezoid on [−12, 12]; spectrally accurate for smooth integrands). */
const NODES = 961;
const LIM = 12;
const zs = new Float64Array(NODES);
const ws = new Float64Array(NODES);
{
  const h = (2 * LIM) / (NODES - 1);
  for (let i = 0; i < NODES; i++) {
    const z = -LIM + i * h;
    zs[i] = z;
    ws[i] = (h * Math.exp(-0.5 * z * z)) / Math.sqrt(2 * Math.PI);
  }
}

/** E_{z∼N(0,1)} f(z). */
export function gaussExpect(f: (z: number) => number): number {
  let s = 0;
  for (let i = 0; i < NODES; i++) s += ws[i]! * f(zs[i]!);
  return s;
}

/** softplus(v) = ln(1 + e^v), without overflow. */
export function softplus(v: number): number {
  return v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
}

/** σ(v) = 1/(1 + e^{−v}), without overflow. */
export function sigmoid(v: number): number {
  return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
}
