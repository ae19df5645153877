/**
 * Exact inference on a chain MRF in log space: the path through the graph, the forward–backward
 * recursions, and the node and pair marginals they give (which are also ∂ ln Z/∂U and ∂ ln Z/∂Ψ).
 *
 *   α_0(s) = U[o_0, s]
 *   α_{k+1}(t) = U[o_{k+1}, t] + ln Σ_s e^{α_k(s) + Ψ_k[s,t]}          ln Z = ln Σ_s e^{α_{N−1}(s)}
 *   β_{N−1}(s) = 0,  β_k(s) = ln Σ_t e^{Ψ_k[s,t] + U[o_{k+1}, t] + β_{k+1}(t)}
 *
 * ln Z's backward is the marginals, ∂ ln Z/∂U[i,s] = P(x_i = s) and ∂ ln Z/∂Ψ_k[s,t] = P(x_k = s, x_{k+1} = t):
 *   U.grad[o_k, s]    += lnZ.grad · e^{α_k(s) + β_k(s) − ln Z}
 *   Ψ.grad[e_k, s, t] += lnZ.grad · e^{α_k(s) + Ψ_k[s,t] + U[o_{k+1},t] + β_{k+1}(t) − ln Z}
 */
import type { TypedArray } from "../dtype.js";

/** A path through all nodes: order[k], the edge between order[k] and order[k+1], and its direction. */
export interface ChainPlan {
  order: Int32Array;
  /** Edge between order[k] and order[k+1], and whether it runs order[k] → order[k+1]. */
  edge: Int32Array;
  forward: Uint8Array;
}

/** What the recursions read: states per node, padded size S, unary [N,S] and pairwise data. */
export interface ChainPotentials {
  n: number;
  S: number;
  states: Int32Array;
  unary: TypedArray | null;
  pairwise: TypedArray;
  /** One [S, S] table for every edge (else [E, S, S]). */
  shared: boolean;
}

export interface ForwardBackward {
  alpha: Float64Array;
  beta: Float64Array;
  logZ: number;
  /** Ψ_k[s,t] along the path, and U at path position k. */
  psi: (k: number, s: number, t: number) => number;
  un: (k: number, s: number) => number;
}

/** ln Σ_{i<n} e^{v[i]}, stable. */
export function lseSmall(v: Float64Array, n: number): number {
  let m = -Infinity;
  for (let i = 0; i < n; i++) if (v[i]! > m) m = v[i]!;
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(v[i]! - m);
  return m + Math.log(s);
}

/** The path order if the graph (N nodes, adjacency lists) is a single chain through all nodes, else null. */
export function findChain(N: number, edgeCount: number, adj: readonly (readonly { j: number; e: number; first: boolean }[])[]): ChainPlan | null {
  if (edgeCount !== N - 1 || !adj.every((a) => a.length <= 2)) return null;
  const start = N === 1 ? 0 : adj.findIndex((a) => a.length === 1);
  if (start < 0) return null;
  const order = new Int32Array(N);
  const edge = new Int32Array(Math.max(0, N - 1));
  const forward = new Uint8Array(Math.max(0, N - 1));
  const seen = new Uint8Array(N);
  order[0] = start;
  seen[start] = 1;
  for (let k = 0; k < N - 1; k++) {
    const next = adj[order[k]!]!.find((a) => !seen[a.j]);
    if (!next) return null;
    order[k + 1] = next.j;
    seen[next.j] = 1;
    edge[k] = next.e;
    forward[k] = next.first ? 1 : 0;
  }
  return { order, edge, forward };
}

/** α, β and ln Z of the chain (float64), with accessors for Ψ_k and U along the path. */
export function chainForwardBackward(m: ChainPotentials, plan: ChainPlan): ForwardBackward {
  const { n: N, S, states, unary: ud, pairwise: pd, shared } = m;
  const { order, edge, forward } = plan;
  const st = (k: number): number => states[order[k]!]!;
  const un = (k: number, s: number): number => (ud ? ud[order[k]! * S + s]! : 0);
  const psi = (k: number, s: number, t: number): number => {
    const base = shared ? 0 : edge[k]! * S * S;
    return forward[k] ? pd[base + s * S + t]! : pd[base + t * S + s]!;
  };
  const alpha = new Float64Array(N * S).fill(-Infinity);
  const beta = new Float64Array(N * S).fill(-Infinity);
  const tmp = new Float64Array(S);
  for (let s = 0; s < st(0); s++) alpha[s] = un(0, s);
  for (let k = 0; k < N - 1; k++) {
    // α_{k+1}(t) = U[o_{k+1}, t] + ln Σ_s e^{α_k(s) + Ψ_k[s,t]}
    for (let t = 0; t < st(k + 1); t++) {
      for (let s = 0; s < st(k); s++) tmp[s] = alpha[k * S + s]! + psi(k, s, t);
      alpha[(k + 1) * S + t] = un(k + 1, t) + lseSmall(tmp, st(k));
    }
  }
  const last = new Float64Array(S);
  for (let s = 0; s < st(N - 1); s++) last[s] = alpha[(N - 1) * S + s]!;
  const logZ = lseSmall(last, st(N - 1));
  for (let s = 0; s < st(N - 1); s++) beta[(N - 1) * S + s] = 0;
  for (let k = N - 2; k >= 0; k--) {
    // β_k(s) = ln Σ_t e^{Ψ_k[s,t] + U[o_{k+1}, t] + β_{k+1}(t)}
    for (let s = 0; s < st(k); s++) {
      for (let t = 0; t < st(k + 1); t++) tmp[t] = psi(k, s, t) + un(k + 1, t) + beta[(k + 1) * S + t]!;
      beta[k * S + s] = lseSmall(tmp, st(k + 1));
    }
  }
  return { alpha, beta, logZ, psi, un };
}

/**
 * Add g · node marginals into gu ([N, S]) and g · pair marginals into gp ([S, S] when sharedOut,
 * else [E, S, S]); either may be null.
 */
export function addChainMarginals(m: ChainPotentials, plan: ChainPlan, g: number, gu: TypedArray | null, gp: TypedArray | null, sharedOut: boolean): void {
  const { n: N, S, states } = m;
  const { alpha, beta, logZ, psi, un } = chainForwardBackward(m, plan);
  const { order, edge, forward } = plan;
  const st = (k: number): number => states[order[k]!]!;
  if (gu) {
    // U.grad[o_k, s] += g · e^{α_k(s) + β_k(s) − ln Z}
    for (let k = 0; k < N; k++) for (let s = 0; s < st(k); s++) gu[order[k]! * S + s] += g * Math.exp(alpha[k * S + s]! + beta[k * S + s]! - logZ);
  }
  if (gp) {
    for (let k = 0; k < N - 1; k++) {
      const base = sharedOut ? 0 : edge[k]! * S * S;
      // Ψ.grad[e_k, s, t] += g · e^{α_k(s) + Ψ_k[s,t] + U[o_{k+1},t] + β_{k+1}(t) − ln Z}
      for (let s = 0; s < st(k); s++)
        for (let t = 0; t < st(k + 1); t++) {
          const p = Math.exp(alpha[k * S + s]! + psi(k, s, t) + un(k + 1, t) + beta[(k + 1) * S + t]! - logZ);
          if (forward[k]) gp[base + s * S + t] += g * p;
          else gp[base + t * S + s] += g * p;
        }
    }
  }
}
