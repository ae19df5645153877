/**
 * Pairwise Markov random fields over discrete variables (seed Problem 4).
 *
 *   f(x̂) = Σ_i U[i, x̂_i] + Σ_{e=(i,j)} Ψ_e[x̂_i, x̂_j]          Q(x̂) = softmax_x̂ f(x̂) = e^{f(x̂)} / Z
 *   ln Z  = ln Σ_x̂ e^{f(x̂)}                                     (enumeration, or the chain DP)
 *   P(x̂_i = s | x̂/i) = softmax_s ( U[i, s] + Σ_{e ∋ i} Ψ_e[s, x̂_j] )   (from the neighbours alone)
 *   ln P̃(x̂) = Σ_i ln P(x̂_i | x̂/i)                               (log pseudolikelihood)
 *
 * Node i takes states 0..states[i]−1; potentials are padded to S = max states: U is [N, S], Ψ is
 * [S, S] (shared by every edge) or [E, S, S] (one per edge, in the order of `edges`), Ψ_e indexed
 * [state of edges[e][0], state of edges[e][1]]. Entries beyond a node's state count are ignored.
 *
 * On chains, ln Z and the marginals come from the log-space forward–backward recursions in
 * chain-dp.ts; ln Z's backward there is the marginals (∂ ln Z/∂U = node marginals, ∂ ln Z/∂Ψ = pair
 * marginals).
 */
import { gradBuffer, noGrad, runOp } from "../autograd.js";
import { allocate, type DType, type TypedArray } from "../dtype.js";
import { Generator } from "../random.js";
import { Tensor, tensor, type NestedArray } from "../tensor.js";
import { sub } from "../ops/elementwise.js";
import { logSumExp } from "../ops/reduce.js";
import { softmax } from "../ops/softmax.js";
import { addChainMarginals, chainForwardBackward, findChain, lseSmall, type ChainPlan, type ChainPotentials, type ForwardBackward } from "./chain-dp.js";

/** An edge of an MRF: the indices of its two nodes. */
export type Edge = readonly [number, number];

/** One assignment ([N]) or a batch ([B, N]): a Tensor, an array, or an array of rows. */
export type Assignments = Tensor | ArrayLike<number> | readonly (readonly number[])[];

/** Options of `MRF`: states per node, node count, edges, unary and pairwise potentials, dtype. */
export interface MRFOptions {
  /** States per node: one number for all nodes, or one per node. */
  states: number | readonly number[];
  /** Number of nodes when `states` is a number (else taken from unary, or the largest edge index + 1). */
  nodes?: number;
  /** Unary potentials [N, S] (optional). */
  unary?: Tensor | NestedArray | null;
  /** The edges, as pairs of node indices. */
  edges: readonly Edge[];
  /** Pairwise potentials: [S, S] shared by every edge, or [E, S, S]. */
  pairwise: Tensor | NestedArray;
}

/**
 * How an MRF computes its partition function: dynamic programming along a chain ("dp") or by enumerating all
 * assignments.
 */
export type PartitionMethod = "dp" | "enumerate";

/** Options of `MRF.logPartition`: method and enumeration limit. */
export interface PartitionOptions {
  /** "dp" (chains only) or "enumerate"; default "dp" on a chain, else "enumerate". */
  method?: PartitionMethod;
  /** Enumeration limit on the number of assignments (default 2^22). */
  maxAssignments?: number;
}

/** Options of `MRF.gibbs`: sweeps, seed, burn-in, thinning and the starting assignment. */
export interface GibbsOptions {
  /** Sweeps to record (each sweep resamples every node once, in order 0..N−1). */
  sweeps: number;
  /** Seed of the sampler (default 0). */
  seed?: number;
  /** Sweeps to run and discard first (default 0). */
  burnIn?: number;
  /** Record every `thin`-th sweep (default 1). */
  thin?: number;
  /** Starting assignment (default: uniform random from the seed). */
  init?: ArrayLike<number>;
}

/** The default limit (2^22) on the number of assignments an MRF will enumerate. */
export const DEFAULT_MAX_ASSIGNMENTS = 2 ** 22;

interface Neighbour {
  e: number;
  j: number;
  /** Node i is edges[e][0] (so Ψ_e is indexed [x_i, x_j]). */
  first: boolean;
}

interface Parsed {
  x: Int32Array;
  batch: number;
  single: boolean;
}

function asPotential(v: Tensor | NestedArray, what: string): Tensor {
  if (v instanceof Tensor) return v;
  if (typeof v === "number" || Array.isArray(v)) return tensor(v);
  throw new TypeError(`MRF: ${what} must be a Tensor or nested array of numbers`);
}

/**
 * A pairwise Markov random field over discrete nodes: unary and pairwise potentials, with score, probability,
 * pseudolikelihood, partition function and Gibbs sampling.
 */
export class MRF {
  /** Number of nodes. */
  readonly n: number;
  /** States of each node. */
  readonly states: Int32Array;
  /** S = the largest number of states (the potentials' padded size). */
  readonly S: number;
  /** The edges, as pairs of node indices. */
  readonly edges: readonly Edge[];
  /** Unary potentials [N, S], or null. */
  readonly unary: Tensor | null;
  /** Pairwise potentials: one [S, S] table shared by every edge, or [E, S, S] in edge order. */
  readonly pairwise: Tensor;
  /** Whether one [S, S] pairwise table is shared by every edge. */
  readonly shared: boolean;
  /** Element type of the potentials. */
  readonly dtype: DType;
  private readonly adj: Neighbour[][];
  /** The same adjacency, flat (CSR): node i's neighbours are slots adjStart[i]..adjStart[i+1]−1. */
  private readonly adjStart: Int32Array;
  private readonly adjNode: Int32Array;
  /** Offset of Ψ_e in the pairwise data, and the strides for (x_i, x_j): Ψ_e[s, x_j] = base + s·rowStride + x_j·colStride. */
  private readonly adjBase: Int32Array;
  private readonly adjSStride: Int32Array;
  private readonly adjJStride: Int32Array;
  private chainPlan: ChainPlan | null | undefined = undefined;

  constructor(options: MRFOptions) {
    const { edges } = options;
    if (!Array.isArray(edges)) throw new TypeError("MRF: edges must be an array of [i, j] pairs");
    const unary = options.unary == null ? null : asPotential(options.unary, "unary");
    const pairwise = asPotential(options.pairwise, "pairwise");
    let n: number;
    if (typeof options.states === "number") {
      const maxEdge = edges.reduce((m, [a, b]) => Math.max(m, a, b), -1);
      n = options.nodes ?? unary?.shape[0] ?? maxEdge + 1;
      this.states = new Int32Array(n).fill(options.states);
    } else {
      n = options.states.length;
      this.states = Int32Array.from(options.states);
      if (options.nodes !== undefined && options.nodes !== n) throw new RangeError(`MRF: nodes = ${options.nodes} but states lists ${n} nodes`);
    }
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`MRF: needs at least one node, got ${n}`);
    this.states.forEach((s, i) => {
      if (!Number.isInteger(s) || s < 1) throw new RangeError(`MRF: node ${i} has ${s} states; each node needs a positive integer number of states`);
    });
    this.n = n;
    this.S = this.states.reduce((m, s) => Math.max(m, s), 0);
    const S = this.S;
    edges.forEach((e, k) => {
      if (!Array.isArray(e) || e.length !== 2) throw new TypeError(`MRF: edge ${k} must be a pair [i, j]`);
      const [a, b] = e;
      for (const v of [a, b]) if (!Number.isInteger(v) || v < 0 || v >= n) throw new RangeError(`MRF: edge ${k} = [${a}, ${b}] names node ${v}, outside 0..${n - 1}`);
      if (a === b) throw new RangeError(`MRF: edge ${k} = [${a}, ${b}] is a self-loop; put single-node terms in unary`);
    });
    this.edges = edges.map(([a, b]) => [a, b] as const);
    const E = edges.length;
    if (pairwise.ndim === 2 && pairwise.shape[0] === S && pairwise.shape[1] === S) this.shared = true;
    else if (pairwise.ndim === 3 && pairwise.shape[0] === E && pairwise.shape[1] === S && pairwise.shape[2] === S) this.shared = false;
    else throw new RangeError(`MRF: pairwise must be [S, S] = [${S}, ${S}] (shared) or [E, S, S] = [${E}, ${S}, ${S}], got [${pairwise.shape.join(", ")}]`);
    if (unary) {
      if (unary.ndim !== 2 || unary.shape[0] !== n || unary.shape[1] !== S) {
        throw new RangeError(`MRF: unary must be [N, S] = [${n}, ${S}], got [${unary.shape.join(", ")}]`);
      }
      if (unary.dtype !== pairwise.dtype) throw new TypeError(`MRF: unary is ${unary.dtype} but pairwise is ${pairwise.dtype}; give both one dtype`);
    }
    this.unary = unary;
    this.pairwise = pairwise;
    this.dtype = pairwise.dtype;
    this.adj = Array.from({ length: n }, () => [] as Neighbour[]);
    this.edges.forEach(([a, b], e) => {
      this.adj[a]!.push({ e, j: b, first: true });
      this.adj[b]!.push({ e, j: a, first: false });
    });
    const slots = 2 * E;
    this.adjStart = new Int32Array(n + 1);
    this.adjNode = new Int32Array(slots);
    this.adjBase = new Int32Array(slots);
    this.adjSStride = new Int32Array(slots);
    this.adjJStride = new Int32Array(slots);
    let t = 0;
    for (let i = 0; i < n; i++) {
      this.adjStart[i] = t;
      for (const { e, j, first } of this.adj[i]!) {
        this.adjNode[t] = j;
        this.adjBase[t] = this.shared ? 0 : e * S * S;
        this.adjSStride[t] = first ? S : 1;
        this.adjJStride[t] = first ? 1 : S;
        t++;
      }
    }
    this.adjStart[n] = t;
  }

  /** A model with the same graph and new potentials (e.g. rebuilt from parameters each step). */
  withPotentials(p: { unary?: Tensor | null; pairwise?: Tensor }): MRF {
    return new MRF({
      states: Array.from(this.states),
      edges: this.edges,
      unary: p.unary === undefined ? this.unary : p.unary,
      pairwise: p.pairwise ?? this.pairwise,
    });
  }

  /** The potentials that require grad (what an optimiser should update). */
  parameters(): Tensor[] {
    return [this.unary, this.pairwise].filter((t): t is Tensor => t !== null && t.requiresGrad && t.isLeaf);
  }

  /** The neighbours of node i: [node, edge index] pairs. */
  neighbours(i: number): { node: number; edge: number }[] {
    this.checkNode(i, "neighbours");
    return this.adj[i]!.map((a) => ({ node: a.j, edge: a.e }));
  }

  /** Number of joint assignments Π_i states[i]. */
  get numAssignments(): number {
    return this.states.reduce((p, s) => p * s, 1);
  }

  private inputs(): Tensor[] {
    return this.unary ? [this.unary, this.pairwise] : [this.pairwise];
  }

  private alloc(n: number): TypedArray {
    return allocate(this.dtype, n);
  }

  private pairBase(e: number): number {
    return this.shared ? 0 : e * this.S * this.S;
  }

  private checkNode(i: number, where: string): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.n) throw new RangeError(`MRF.${where}: node ${i} is outside 0..${this.n - 1}`);
  }

  /** Parse one assignment [N] or a batch [B, N], checking every value is a valid state. */
  parse(x: Assignments, where: string): Parsed {
    const N = this.n;
    let flat: ArrayLike<number>;
    let single: boolean;
    if (x instanceof Tensor) {
      if (x.ndim === 1 && x.shape[0] === N) single = true;
      else if (x.ndim === 2 && x.shape[1] === N) single = false;
      else throw new RangeError(`MRF.${where}: assignments must be [N] = [${N}] or [B, N] = [B, ${N}], got [${x.shape.join(", ")}]`);
      flat = x.data;
    } else if (x.length > 0 && Array.isArray((x as ArrayLike<unknown>)[0])) {
      const rows = x as readonly (readonly number[])[];
      const out = new Int32Array(rows.length * N);
      rows.forEach((r, b) => {
        if (r.length !== N) throw new RangeError(`MRF.${where}: assignment ${b} has ${r.length} values; the model has ${N} nodes`);
        for (let i = 0; i < N; i++) out[b * N + i] = r[i]!;
      });
      flat = out;
      single = false;
      // values are checked below from `flat`
      for (let b = 0; b < rows.length; b++) for (let i = 0; i < N; i++) if (out[b * N + i] !== rows[b]![i]) throw new RangeError(`MRF.${where}: assignment ${b}, node ${i} is ${rows[b]![i]}, not an integer state`);
    } else {
      const a = x as ArrayLike<number>;
      if (a.length !== N) throw new RangeError(`MRF.${where}: an assignment needs ${N} values (one per node), got ${a.length}`);
      flat = a;
      single = true;
    }
    const out = new Int32Array(flat.length);
    for (let t = 0; t < flat.length; t++) {
      const v = flat[t]!;
      const i = t % N;
      if (!Number.isInteger(v) || v < 0 || v >= this.states[i]!) {
        throw new RangeError(`MRF.${where}: ${single ? "" : `assignment ${Math.floor(t / N)}, `}node ${i} has value ${v}; node ${i} takes states 0..${this.states[i]! - 1}`);
      }
      out[t] = v;
    }
    return { x: out, batch: flat.length / N, single };
  }

  // -------------------------------------------------------------------------------------------
  // Score and enumeration
  // -------------------------------------------------------------------------------------------

  /** f(x̂) = Σ_i U[i, x̂_i] + Σ_e Ψ_e[x̂_a, x̂_b]: a scalar for one assignment, [B] for a batch. Differentiable. */
  score(x: Assignments): Tensor {
    const { x: xs, batch, single } = this.parse(x, "score");
    const { n: N, S, edges } = this;
    const u = this.unary;
    const pw = this.pairwise;
    return runOp("mrf.score", this.inputs(), () => {
      const out = this.alloc(batch);
      const ud = u?.data;
      const pd = pw.data;
      for (let b = 0; b < batch; b++) {
        const o = b * N;
        // f[b] = Σ_i U[i, x[b,i]] + Σ_e Ψ[e, x[b,a_e], x[b,b_e]]
        let f = 0;
        if (ud) for (let i = 0; i < N; i++) f += ud[i * S + xs[o + i]!]!;
        for (let e = 0; e < edges.length; e++) f += pd[this.pairBase(e) + xs[o + edges[e]![0]]! * S + xs[o + edges[e]![1]]!]!;
        out[b] = f;
      }
      return {
        out: new Tensor(out, single ? [] : [batch]),
        adds: batch * (N + edges.length),
        backward: (y) => {
          const g = y.grad!.data;
          const gu = u?.requiresGrad ? gradBuffer(u) : null;
          const gp = pw.requiresGrad ? gradBuffer(pw) : null;
          for (let b = 0; b < batch; b++) {
            const o = b * N;
            // U.grad[i, x[b,i]] += f.grad[b];  Ψ.grad[e, x[b,a_e], x[b,b_e]] += f.grad[b]
            if (gu) for (let i = 0; i < N; i++) gu[i * S + xs[o + i]!] += g[b]!;
            if (gp) for (let e = 0; e < edges.length; e++) gp[this.pairBase(e) + xs[o + edges[e]![0]]! * S + xs[o + edges[e]![1]]!] += g[b]!;
          }
        },
      };
    });
  }

  private checkEnumerable(where: string, limit = DEFAULT_MAX_ASSIGNMENTS): number {
    const K = this.numAssignments;
    if (K > limit) {
      const bits = Math.log2(K);
      throw new RangeError(
        `MRF.${where}: enumeration needs ${Number.isInteger(bits) ? `2^${bits} = ` : ""}${K} assignments (${this.n} nodes), over the limit of ${limit}; ` +
          `use { method: "dp" } on a chain, pseudolikelihood, or Gibbs sampling — or raise { maxAssignments }`,
      );
    }
    return K;
  }

  /** The assignment with enumeration index k (node 0 most significant, node N−1 fastest). */
  assignment(k: number): number[] {
    const K = this.numAssignments;
    if (!Number.isInteger(k) || k < 0 || k >= K) throw new RangeError(`MRF.assignment: index ${k} is outside 0..${K - 1}`);
    const x = new Array<number>(this.n);
    for (let i = this.n - 1; i >= 0; i--) {
      x[i] = k % this.states[i]!;
      k = Math.floor(k / this.states[i]!);
    }
    return x;
  }

  /** Visit every assignment in enumeration order (x is reused between calls). */
  private forEachAssignment(fn: (k: number, x: Int32Array) => void): void {
    const N = this.n;
    const x = new Int32Array(N);
    const K = this.numAssignments;
    for (let k = 0; k < K; k++) {
      fn(k, x);
      for (let i = N - 1; i >= 0; i--) {
        if (++x[i]! < this.states[i]!) break;
        x[i] = 0;
      }
    }
  }

  /** f(x̂) for every assignment, [K] in enumeration order. Differentiable. */
  allScores(options: { maxAssignments?: number } = {}): Tensor {
    const K = this.checkEnumerable("allScores", options.maxAssignments);
    const { n: N, S, edges } = this;
    const u = this.unary;
    const pw = this.pairwise;
    const E = edges.length;
    const ea = Int32Array.from(edges, (e) => e[0]);
    const eb = Int32Array.from(edges, (e) => e[1]);
    const bases = Int32Array.from(edges, (_, e) => this.pairBase(e));
    return runOp("mrf.allScores", this.inputs(), () => {
      const out = this.alloc(K);
      const ud = u?.data;
      const pd = pw.data;
      // f[k] = Σ_i U[i, x_k[i]] + Σ_e Ψ[e, x_k[a_e], x_k[b_e]]
      this.forEachAssignment((k, x) => {
        let f = 0;
        if (ud) for (let i = 0; i < N; i++) f += ud[i * S + x[i]!]!;
        for (let e = 0; e < E; e++) f += pd[bases[e]! + x[ea[e]!]! * S + x[eb[e]!]!]!;
        out[k] = f;
      });
      return {
        out: new Tensor(out, [K]),
        adds: K * (N + E),
        backward: (y) => {
          const g = y.grad!.data;
          const gu = u?.requiresGrad ? gradBuffer(u) : null;
          const gp = pw.requiresGrad ? gradBuffer(pw) : null;
          // U.grad[i, x_k[i]] += f.grad[k];  Ψ.grad[e, x_k[a_e], x_k[b_e]] += f.grad[k]
          this.forEachAssignment((k, x) => {
            const gk = g[k]!;
            if (gk === 0) return;
            if (gu) for (let i = 0; i < N; i++) gu[i * S + x[i]!] += gk;
            if (gp) for (let e = 0; e < E; e++) gp[bases[e]! + x[ea[e]!]! * S + x[eb[e]!]!] += gk;
          });
        },
      };
    });
  }

  /** Q(x̂) for every assignment, [K] in enumeration order (softmax of allScores). Differentiable. */
  probabilities(options: { maxAssignments?: number } = {}): Tensor {
    return softmax(this.allScores(options), 0);
  }

  // -------------------------------------------------------------------------------------------
  // Chains: forward–backward
  // -------------------------------------------------------------------------------------------


  /** The path order if the graph is a single chain (a path through all nodes), else null. */
  chain(): ChainPlan | null {
    if (this.chainPlan === undefined) this.chainPlan = findChain(this.n, this.edges.length, this.adj);
    return this.chainPlan;
  }

  /** The potentials as the chain algorithms read them. */
  private chainView(): ChainPotentials {
    return { n: this.n, S: this.S, states: this.states, unary: this.unary?.data ?? null, pairwise: this.pairwise.data, shared: this.shared };
  }

  private forwardBackward(plan: ChainPlan): ForwardBackward {
    return chainForwardBackward(this.chainView(), plan);
  }

  /** Add g · node and pair marginals of the chain into U.grad and Ψ.grad (or into given buffers). */
  private chainMarginalsInto(plan: ChainPlan, g: number, gu: TypedArray | null, gp: TypedArray | null, sharedOut = this.shared): void {
    addChainMarginals(this.chainView(), plan, g, gu, gp, sharedOut);
  }

  private requireChain(where: string): ChainPlan {
    const plan = this.chain();
    if (!plan) {
      throw new RangeError(`MRF.${where}: method "dp" needs a chain (a single path through all ${this.n} nodes); this graph has ${this.edges.length} edges — use { method: "enumerate" } on small models`);
    }
    return plan;
  }



  private chainLogPartition(): Tensor {
    const plan = this.requireChain("logPartition");
    const u = this.unary;
    const pw = this.pairwise;
    return runOp("mrf.chainLogPartition", this.inputs(), () => {
      const { logZ } = this.forwardBackward(plan);
      const out = this.alloc(1);
      out[0] = logZ;
      return {
        out: new Tensor(out, []),
        adds: this.n * this.S * this.S,
        extra: { exps: this.n * this.S * this.S },
        backward: (y) => {
          const g = y.grad!.data[0]!;
          this.chainMarginalsInto(plan, g, u?.requiresGrad ? gradBuffer(u) : null, pw.requiresGrad ? gradBuffer(pw) : null);
        },
      };
    });
  }

  private defaultMethod(method?: PartitionMethod): PartitionMethod {
    if (method !== undefined && method !== "dp" && method !== "enumerate") throw new RangeError(`MRF: unknown method ${JSON.stringify(method)}; expected "dp" or "enumerate"`);
    return method ?? (this.chain() ? "dp" : "enumerate");
  }

  /** ln Z = ln Σ_x̂ e^{f(x̂)}: by the chain forward algorithm ("dp") or by enumeration. Differentiable. */
  logPartition(options: PartitionOptions = {}): Tensor {
    const method = this.defaultMethod(options.method);
    if (method === "dp") return this.chainLogPartition();
    return logSumExp(this.allScores({ maxAssignments: options.maxAssignments }));
  }

  /** ln Q(x̂) = f(x̂) − ln Z (scalar or [B]). Differentiable. */
  logProb(x: Assignments, options: PartitionOptions = {}): Tensor {
    return sub(this.score(x), this.logPartition(options));
  }

  /** Node marginals P(x_i = s), [N, S] (0 for padded states). No gradient. */
  marginals(options: PartitionOptions = {}): Tensor {
    const method = this.defaultMethod(options.method);
    const { n: N, S } = this;
    const out = new Float64Array(N * S);
    if (method === "dp") {
      this.chainMarginalsInto(this.requireChain("marginals"), 1, out, null);
    } else {
      const p = noGrad(() => this.probabilities({ maxAssignments: options.maxAssignments })).data;
      this.forEachAssignment((k, x) => {
        for (let i = 0; i < N; i++) out[i * S + x[i]!] += p[k]!;
      });
    }
    return new Tensor(this.dtype === "float64" ? out : Float32Array.from(out), [N, S]);
  }

  /** Edge marginals P(x_a = s, x_b = t) for every edge (a, b), [E, S, S]. No gradient. */
  edgeMarginals(options: PartitionOptions = {}): Tensor {
    const method = this.defaultMethod(options.method);
    const { S, edges } = this;
    const E = edges.length;
    const out = new Float64Array(E * S * S);
    if (method === "dp") {
      this.chainMarginalsInto(this.requireChain("edgeMarginals"), 1, null, out, false);
    } else {
      const p = noGrad(() => this.probabilities({ maxAssignments: options.maxAssignments })).data;
      this.forEachAssignment((k, x) => {
        for (let e = 0; e < E; e++) out[e * S * S + x[edges[e]![0]]! * S + x[edges[e]![1]]!] += p[k]!;
      });
    }
    return new Tensor(this.dtype === "float64" ? out : Float32Array.from(out), [E, S, S]);
  }

  // -------------------------------------------------------------------------------------------
  // Conditionals and pseudolikelihood
  // -------------------------------------------------------------------------------------------

  /** l[s] = U[i, s] + Σ_{e ∋ i} Ψ_e[s, x_j] (oriented) for s < states[i], written into `l`. */
  private localLogits(xs: Int32Array, o: number, i: number, l: Float64Array): void {
    const S = this.S;
    const ud = this.unary?.data;
    const pd = this.pairwise.data;
    const si = this.states[i]!;
    for (let s = 0; s < si; s++) l[s] = ud ? ud[i * S + s]! : 0;
    for (let t = this.adjStart[i]!; t < this.adjStart[i + 1]!; t++) {
      const at = this.adjBase[t]! + xs[o + this.adjNode[t]!]! * this.adjJStride[t]!;
      const ss = this.adjSStride[t]!;
      for (let s = 0; s < si; s++) l[s] += pd[at + s * ss]!;
    }
  }

  /** U.grad[i, s] += c;  Ψ.grad[e, s, x_j] (oriented) += c  for every edge e ∋ i. */
  private scatterLocal(xs: Int32Array, o: number, i: number, s: number, c: number, gu: TypedArray | null, gp: TypedArray | null): void {
    if (gu) gu[i * this.S + s] += c;
    if (gp)
      for (let t = this.adjStart[i]!; t < this.adjStart[i + 1]!; t++) {
        gp[this.adjBase[t]! + xs[o + this.adjNode[t]!]! * this.adjJStride[t]! + s * this.adjSStride[t]!] += c;
      }
  }

  /**
   * P(x̂_i = · | x̂/i) from node i's neighbours alone: [states[i]] for one assignment, [B, states[i]]
   * for a batch (x̂_i itself is ignored). Differentiable in the potentials.
   */
  conditional(x: Assignments, i: number): Tensor {
    this.checkNode(i, "conditional");
    const { x: xs, batch, single } = this.parse(x, "conditional");
    const { n: N, S } = this;
    const si = this.states[i]!;
    const u = this.unary;
    const pw = this.pairwise;
    const logits = runOp("mrf.localLogits", this.inputs(), () => {
      const out = this.alloc(batch * si);
      const l = new Float64Array(S);
      for (let b = 0; b < batch; b++) {
        // l[b, s] = U[i, s] + Σ_{e ∋ i} Ψ_e[s, x[b, j]]
        this.localLogits(xs, b * N, i, l);
        for (let s = 0; s < si; s++) out[b * si + s] = l[s]!;
      }
      return {
        out: new Tensor(out, single ? [si] : [batch, si]),
        adds: batch * si * this.adj[i]!.length,
        backward: (y) => {
          const g = y.grad!.data;
          const gu = u?.requiresGrad ? gradBuffer(u) : null;
          const gp = pw.requiresGrad ? gradBuffer(pw) : null;
          for (let b = 0; b < batch; b++)
            for (let s = 0; s < si; s++) {
              // U.grad[i, s] += l.grad[b, s];  Ψ.grad[e, s, x_j] (or [x_j, s]) += l.grad[b, s]
              this.scatterLocal(xs, b * N, i, s, g[b * si + s]!, gu, gp);
            }
        },
      };
    });
    return softmax(logits, -1);
  }

  /**
   * ln P̃(x̂) = Σ_i ln P(x̂_i | x̂/i): a scalar for one assignment, [B] for a batch. Differentiable:
   *   ∂/∂l_i[s] = 1[s = x̂_i] − P(s | x̂/i), scattered into U[i, s] and Ψ_e[s, x̂_j] for e ∋ i.
   */
  logPseudoLikelihood(x: Assignments): Tensor {
    const { x: xs, batch, single } = this.parse(x, "logPseudoLikelihood");
    const { n: N, S } = this;
    const u = this.unary;
    const pw = this.pairwise;
    return runOp("mrf.logPseudoLikelihood", this.inputs(), () => {
      const out = this.alloc(batch);
      // keep each node's conditional for the backward
      const probs = new Float64Array(batch * N * S);
      const l = new Float64Array(S);
      for (let b = 0; b < batch; b++) {
        let acc = 0;
        for (let i = 0; i < N; i++) {
          const si = this.states[i]!;
          this.localLogits(xs, b * N, i, l);
          const lse = lseSmall(l, si);
          // ln P(x_i | x/i) = l[x_i] − ln Σ_s e^{l[s]}
          acc += l[xs[b * N + i]!]! - lse;
          for (let s = 0; s < si; s++) probs[(b * N + i) * S + s] = Math.exp(l[s]! - lse);
        }
        out[b] = acc;
      }
      return {
        out: new Tensor(out, single ? [] : [batch]),
        adds: batch * N * S * 3,
        extra: { exps: batch * N * S },
        backward: (y) => {
          const g = y.grad!.data;
          const gu = u?.requiresGrad ? gradBuffer(u) : null;
          const gp = pw.requiresGrad ? gradBuffer(pw) : null;
          for (let b = 0; b < batch; b++)
            for (let i = 0; i < N; i++) {
              const xi = xs[b * N + i]!;
              for (let s = 0; s < this.states[i]!; s++) {
                // c = y.grad[b] · (1[s = x_i] − P(s | x/i))
                const c = g[b]! * ((s === xi ? 1 : 0) - probs[(b * N + i) * S + s]!);
                this.scatterLocal(xs, b * N, i, s, c, gu, gp);
              }
            }
        },
      };
    });
  }

  // -------------------------------------------------------------------------------------------
  // Sampling
  // -------------------------------------------------------------------------------------------

  /**
   * Gibbs sampling: each sweep resamples x_0, …, x_{N−1} in turn from P(x_i | x/i). Returns the
   * recorded states as a [⌊sweeps/thin⌋, N] tensor (float32 holding integer states).
   */
  gibbs(options: GibbsOptions): Tensor {
    const { sweeps, burnIn = 0, thin = 1 } = options;
    for (const [name, v, min] of [["sweeps", sweeps, 1], ["burnIn", burnIn, 0], ["thin", thin, 1]] as const) {
      if (!Number.isInteger(v) || v < min) throw new RangeError(`MRF.gibbs: ${name} must be an integer ≥ ${min}, got ${v}`);
    }
    const { n: N, S } = this;
    const gen = new Generator(options.seed ?? 0);
    const x = new Int32Array(N);
    if (options.init) x.set(this.parse(options.init, "gibbs (init)").x);
    else for (let i = 0; i < N; i++) x[i] = gen.int(this.states[i]!);
    const kept = Math.floor(sweeps / thin);
    const out = new Float32Array(kept * N);
    const l = new Float64Array(S);
    let r = 0;
    for (let sweep = 0; sweep < burnIn + sweeps; sweep++) {
      for (let i = 0; i < N; i++) {
        const si = this.states[i]!;
        this.localLogits(x, 0, i, l);
        const lse = lseSmall(l, si);
        let u = gen.random();
        let s = 0;
        for (; s < si - 1; s++) {
          u -= Math.exp(l[s]! - lse);
          if (u < 0) break;
        }
        x[i] = s;
      }
      const t = sweep - burnIn;
      if (t >= 0 && (t + 1) % thin === 0 && r < kept) {
        for (let i = 0; i < N; i++) out[r * N + i] = x[i]!;
        r++;
      }
    }
    return new Tensor(out, [kept, N]);
  }

  /**
   * Exact independent samples from Q: forward-filtering backward-sampling on a chain ("dp"), or
   * inverse-CDF over all assignments ("enumerate"). Returns [n, N] (float32 holding states).
   */
  sample(options: { n: number; seed?: number } & PartitionOptions): Tensor {
    const count = options.n;
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`MRF.sample: n must be a positive integer, got ${count}`);
    const method = this.defaultMethod(options.method);
    const gen = new Generator(options.seed ?? 0);
    const { n: N, S } = this;
    const out = new Float32Array(count * N);
    if (method === "enumerate") {
      const p = noGrad(() => this.probabilities({ maxAssignments: options.maxAssignments })).data;
      const cdf = new Float64Array(p.length);
      let c = 0;
      for (let k = 0; k < p.length; k++) cdf[k] = c += p[k]!;
      for (let r = 0; r < count; r++) {
        const u = gen.random() * c;
        let lo = 0;
        let hi = p.length - 1;
        while (lo < hi) {
          const m = (lo + hi) >> 1;
          if (cdf[m]! > u) hi = m;
          else lo = m + 1;
        }
        out.set(this.assignment(lo), r * N);
      }
      return new Tensor(out, [count, N]);
    }
    const plan = this.requireChain("sample");
    const { alpha, psi } = this.forwardBackward(plan);
    const { order } = plan;
    const w = new Float64Array(S);
    const draw = (n: number): number => {
      const lse = lseSmall(w, n);
      let u = gen.random();
      let s = 0;
      for (; s < n - 1; s++) {
        u -= Math.exp(w[s]! - lse);
        if (u < 0) break;
      }
      return s;
    };
    for (let r = 0; r < count; r++) {
      // x_{N−1} ∝ e^{α_{N−1}};  x_k | x_{k+1} ∝ e^{α_k(s) + Ψ_k[s, x_{k+1}]}
      const sl = this.states[order[N - 1]!]!;
      for (let s = 0; s < sl; s++) w[s] = alpha[(N - 1) * S + s]!;
      let next = draw(sl);
      out[r * N + order[N - 1]!] = next;
      for (let k = N - 2; k >= 0; k--) {
        const sk = this.states[order[k]!]!;
        for (let s = 0; s < sk; s++) w[s] = alpha[k * S + s]! + psi(k, s, next);
        next = draw(sk);
        out[r * N + order[k]!] = next;
      }
    }
    return new Tensor(out, [count, N]);
  }
}
