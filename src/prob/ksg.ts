/**
 * The Kraskov–Stögbauer–Grassberger k-nearest-neighbour estimator of mutual information
 * (Kraskov, Stögbauer & Grassberger 2004, "algorithm 1"), with the max-norm:
 *
 *   ε_i   = distance from point i to its k-th nearest neighbour in the joint space,
 *           ‖(x, z)‖ = max(‖x‖∞, ‖z‖∞)
 *   n_x(i) = #{ j ≠ i : ‖x_j − x_i‖∞ < ε_i },   n_z(i) likewise
 *   Î     = ψ(k) + ψ(N) − (1/N) Σ_i [ψ(n_x(i) + 1) + ψ(n_z(i) + 1)]
 *
 * Neighbour search uses a k-d tree (max-norm pruning), and sorted arrays with binary search
 * for 1-D marginals; a brute-force O(N²) definition is kept for the tests to hold it to.
 *
 * Uncertainty: the samples are split into B disjoint random subsamples (default 10); the estimator
 * is run on each, and stderr = sd(subsample estimates)/√B, using that the variance of the estimate
 * falls as 1/N for i.i.d. data (Var(N) ≈ Var(N/B)/B). The ordinary bootstrap is NOT used: resampling
 * with replacement duplicates points, and duplicates sit at distance 0 from each other, which
 * corrupts exactly the k-NN distances the estimator is built on (it biases Î upwards).
 */
import { Generator } from "../random.js";
import { Tensor } from "../tensor.js";
import { fromNats, type UnitOptions } from "./info.js";

const EULER_GAMMA = 0.5772156649015329;

/** Digamma ψ(x) for x > 0 (recurrence up to x ≥ 10, then the asymptotic series; error < 1e-13). */
export function digamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`digamma: defined here for x > 0, got ${x}`);
  let r = 0;
  while (x < 10) {
    r -= 1 / x;
    x += 1;
  }
  const f = 1 / (x * x);
  // ψ(x) ≈ ln x − 1/(2x) − 1/(12x²) + 1/(120x⁴) − 1/(252x⁶) + 1/(240x⁸) − 1/(132x¹⁰)
  return r + Math.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))));
}

/** ψ(m) for integers m = 0..n (index 0 unused): ψ(1) = −γ, ψ(m+1) = ψ(m) + 1/m. */
function digammaTable(n: number): Float64Array {
  const t = new Float64Array(n + 1);
  t[0] = NaN;
  if (n >= 1) t[1] = -EULER_GAMMA;
  for (let m = 1; m < n; m++) t[m + 1] = t[m]! + 1 / m;
  return t;
}

// ---------------------------------------------------------------------------------------------
// k-d tree with the max-norm
// ---------------------------------------------------------------------------------------------

const LEAF = 12;

/** A k-d tree over n points of dimension d (row-major), for max-norm k-NN and range counts. */
export class KDTree {
  readonly idx: Int32Array;
  private readonly lo: number[] = [];
  private readonly hi: number[] = [];
  private readonly dim: number[] = [];
  private readonly split: number[] = [];
  private readonly left: number[] = [];
  private readonly right: number[] = [];
  // k-NN state
  private best = new Float64Array(0);
  private q = 0;
  private self = -1;

  constructor(readonly pts: Float64Array, readonly d: number, readonly n: number) {
    this.idx = new Int32Array(n);
    for (let i = 0; i < n; i++) this.idx[i] = i;
    if (n > 0) this.build(0, n);
  }

  private build(lo: number, hi: number): number {
    const id = this.lo.length;
    this.lo.push(lo);
    this.hi.push(hi);
    this.dim.push(-1);
    this.split.push(0);
    this.left.push(-1);
    this.right.push(-1);
    if (hi - lo <= LEAF) return id;
    // split on the dimension of largest spread, at the median
    let bestDim = 0;
    let bestSpread = -1;
    for (let c = 0; c < this.d; c++) {
      let mn = Infinity;
      let mx = -Infinity;
      for (let i = lo; i < hi; i++) {
        const v = this.pts[this.idx[i]! * this.d + c]!;
        if (v < mn) mn = v;
        if (v > mx) mx = v;
      }
      if (mx - mn > bestSpread) {
        bestSpread = mx - mn;
        bestDim = c;
      }
    }
    if (bestSpread <= 0) return id; // all points equal: keep as a leaf
    const mid = (lo + hi) >> 1;
    this.select(lo, hi, mid, bestDim);
    this.dim[id] = bestDim;
    this.split[id] = this.pts[this.idx[mid]! * this.d + bestDim]!;
    const l = this.build(lo, mid);
    const r = this.build(mid, hi);
    this.left[id] = l;
    this.right[id] = r;
    return id;
  }

  /** Quickselect: idx[lo..hi) arranged so idx[mid] holds the median along c, smaller before, larger after. */
  private select(lo: number, hi: number, mid: number, c: number): void {
    const { idx, pts, d } = this;
    let a = lo;
    let b = hi - 1;
    while (a < b) {
      const pivot = pts[idx[(a + b) >> 1]! * d + c]!;
      let i = a;
      let j = b;
      while (i <= j) {
        while (pts[idx[i]! * d + c]! < pivot) i++;
        while (pts[idx[j]! * d + c]! > pivot) j--;
        if (i <= j) {
          const t = idx[i]!;
          idx[i] = idx[j]!;
          idx[j] = t;
          i++;
          j--;
        }
      }
      if (mid <= j) b = j;
      else if (mid >= i) a = i;
      else break;
    }
  }

  /** Max-norm distance to the k-th nearest neighbour of point `self` (excluded) in this tree's points. */
  kthDistance(self: number, k: number): number {
    if (this.best.length !== k) this.best = new Float64Array(k);
    this.best.fill(Infinity);
    this.q = self * this.d;
    this.self = self;
    this.knn(0, this.pts);
    return this.best[k - 1]!;
  }

  private knn(node: number, qp: Float64Array): void {
    const c = this.dim[node]!;
    const d = this.d;
    if (c < 0) {
      const best = this.best;
      const k = best.length;
      for (let t = this.lo[node]!; t < this.hi[node]!; t++) {
        const p = this.idx[t]!;
        if (p === this.self) continue;
        // dist = max_c |q[c] − p[c]|, stopping early once it passes the current k-th best
        let dist = 0;
        const worst = best[k - 1]!;
        for (let e = 0; e < d && dist < worst; e++) {
          const v = Math.abs(qp[this.q + e]! - this.pts[p * d + e]!);
          if (v > dist) dist = v;
        }
        if (dist < worst) {
          let s = k - 1;
          while (s > 0 && best[s - 1]! > dist) {
            best[s] = best[s - 1]!;
            s--;
          }
          best[s] = dist;
        }
      }
      return;
    }
    const diff = qp[this.q + c]! - this.split[node]!;
    const near = diff < 0 ? this.left[node]! : this.right[node]!;
    const far = diff < 0 ? this.right[node]! : this.left[node]!;
    this.knn(near, qp);
    if (Math.abs(diff) < this.best[this.best.length - 1]!) this.knn(far, qp);
  }

  /** #{ j ≠ self : max_c |p_j[c] − p_self[c]| < eps } (strict). */
  countWithin(self: number, eps: number): number {
    return this.count(0, self, eps);
  }

  private count(node: number, self: number, eps: number): number {
    const c = this.dim[node]!;
    const d = this.d;
    const q = self * d;
    if (c < 0) {
      let n = 0;
      for (let t = this.lo[node]!; t < this.hi[node]!; t++) {
        const p = this.idx[t]!;
        if (p === self) continue;
        let inside = true;
        for (let e = 0; e < d; e++) {
          if (!(Math.abs(this.pts[q + e]! - this.pts[p * d + e]!) < eps)) {
            inside = false;
            break;
          }
        }
        if (inside) n++;
      }
      return n;
    }
    const diff = this.pts[q + c]! - this.split[node]!;
    let n = 0;
    // left points have coordinate ≤ split, right points ≥ split
    if (diff < eps) n += this.count(this.left[node]!, self, eps);
    if (-diff < eps) n += this.count(this.right[node]!, self, eps);
    return n;
  }
}

/** Counts #{j ≠ i : |v_j − v_i| < eps} on a 1-D sample by binary search in the sorted values. */
class SortedCounter {
  private readonly sorted: Float64Array;
  constructor(private readonly v: Float64Array) {
    this.sorted = Float64Array.from(v).sort();
  }
  countWithin(i: number, eps: number): number {
    const q = this.v[i]!;
    const s = this.sorted;
    const n = s.length;
    const inside = (t: number): boolean => Math.abs(s[t]! - q) < eps;
    // binary search for the ends of (q − eps, q + eps), then settle them with the same test
    // |v_j − q| < eps that the definition uses (q ± eps rounds, |v_j − q| is what counts)
    let a = this.firstAbove(q - eps, false);
    while (a > 0 && inside(a - 1)) a--;
    while (a < n && !inside(a)) a++;
    let b = this.firstAbove(q + eps, true);
    while (b < n && inside(b)) b++;
    while (b > a && !inside(b - 1)) b--;
    return Math.max(0, b - a - 1); // minus the point itself (none when eps = 0)
  }
  /** First index whose value is > x (or ≥ x when inclusive). */
  private firstAbove(x: number, inclusive: boolean): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      const s = this.sorted[m]!;
      if (inclusive ? s < x : s <= x) lo = m + 1;
      else hi = m;
    }
    return lo;
  }
}

// ---------------------------------------------------------------------------------------------
// The estimator
// ---------------------------------------------------------------------------------------------

interface Columns {
  data: Float64Array;
  n: number;
  d: number;
}

function columns(v: Tensor | ArrayLike<number> | readonly (readonly number[])[], where: string): Columns {
  if (v instanceof Tensor) {
    if (v.ndim === 1) return { data: Float64Array.from(v.data), n: v.shape[0]!, d: 1 };
    if (v.ndim === 2) return { data: Float64Array.from(v.data), n: v.shape[0]!, d: v.shape[1]! };
    throw new RangeError(`${where}: samples must be [n] or [n, d], got shape [${v.shape.join(", ")}]`);
  }
  const arr = v as ArrayLike<number> | readonly (readonly number[])[];
  if (arr.length > 0 && Array.isArray(arr[0])) {
    const rows = arr as readonly (readonly number[])[];
    const d = rows[0]!.length;
    const data = new Float64Array(rows.length * d);
    rows.forEach((r, i) => {
      if (r.length !== d) throw new RangeError(`${where}: row ${i} has ${r.length} values, row 0 has ${d}`);
      r.forEach((x, c) => (data[i * d + c] = x));
    });
    return { data, n: rows.length, d };
  }
  const flat = arr as ArrayLike<number>;
  return { data: Float64Array.from(flat), n: flat.length, d: 1 };
}

function pick(c: Columns, rows: ArrayLike<number>): Columns {
  const data = new Float64Array(rows.length * c.d);
  for (let r = 0; r < rows.length; r++) for (let e = 0; e < c.d; e++) data[r * c.d + e] = c.data[rows[r]! * c.d + e]!;
  return { data, n: rows.length, d: c.d };
}

function joint(x: Columns, z: Columns): Columns {
  const d = x.d + z.d;
  const data = new Float64Array(x.n * d);
  for (let i = 0; i < x.n; i++) {
    for (let e = 0; e < x.d; e++) data[i * d + e] = x.data[i * x.d + e]!;
    for (let e = 0; e < z.d; e++) data[i * d + x.d + e] = z.data[i * z.d + e]!;
  }
  return { data, n: x.n, d };
}

function marginalCounter(c: Columns): (i: number, eps: number) => number {
  if (c.d === 1) {
    const s = new SortedCounter(c.data);
    return (i, eps) => s.countWithin(i, eps);
  }
  const t = new KDTree(c.data, c.d, c.n);
  return (i, eps) => t.countWithin(i, eps);
}

/** KSG algorithm 1 on one sample, in nats (k-d tree search). */
export function ksgEstimate(x: Columns, z: Columns, k: number): number {
  const n = x.n;
  const j = joint(x, z);
  const tree = new KDTree(j.data, j.d, n);
  const cx = marginalCounter(x);
  const cz = marginalCounter(z);
  const psi = digammaTable(n + 1);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const eps = tree.kthDistance(i, k);
    acc += psi[cx(i, eps) + 1]! + psi[cz(i, eps) + 1]!;
  }
  return psi[k]! + psi[n]! - acc / n;
}

/** The same estimate by brute force, O(N²): the definition the k-d tree version is tested against. */
export function ksgEstimateBrute(x: Columns, z: Columns, k: number): number {
  const n = x.n;
  const psi = digammaTable(n + 1);
  const dist = (c: Columns, a: number, b: number): number => {
    let m = 0;
    for (let e = 0; e < c.d; e++) m = Math.max(m, Math.abs(c.data[a * c.d + e]! - c.data[b * c.d + e]!));
    return m;
  };
  const ds = new Float64Array(n - 1);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    let t = 0;
    for (let j = 0; j < n; j++) if (j !== i) ds[t++] = Math.max(dist(x, i, j), dist(z, i, j));
    ds.sort();
    const eps = ds[k - 1]!;
    let nx = 0;
    let nz = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      if (dist(x, i, j) < eps) nx++;
      if (dist(z, i, j) < eps) nz++;
    }
    acc += psi[nx + 1]! + psi[nz + 1]!;
  }
  return psi[k]! + psi[n]! - acc / n;
}

/** Options of the KSG mutual-information estimator: neighbours k, subsamples for the standard error, seed, unit. */
export interface KSGOptions extends UnitOptions {
  /** Neighbours (default 3). */
  k?: number;
  /** Disjoint random subsamples for the standard error (default 10; 0 or 1 skips it: stderr NaN). */
  blocks?: number;
  /** Seed for the random split into subsamples (default 0). */
  seed?: number;
  /** "kdtree" (default) or "brute" (O(N²) reference). */
  method?: "kdtree" | "brute";
}

/** What the KSG estimator returns: the estimate, its standard error, k and the number of samples. */
export interface KSGResult {
  /** Î on all N samples. */
  estimate: number;
  /** sd(subsample estimates)/√blocks (see the file comment). */
  stderr: number;
  /** Neighbours used. */
  k: number;
  /** Samples used. */
  n: number;
  /** The estimates on the disjoint subsamples. */
  blockEstimates: number[];
}

/**
 * KSG mutual information I(x; z) of paired continuous samples: x and z are [N] or [N, d]
 * (Tensors, arrays, or arrays of rows). Returns { estimate, stderr, … } in nats (or the unit asked).
 */
export function ksgMutualInformation(
  x: Tensor | ArrayLike<number> | readonly (readonly number[])[],
  z: Tensor | ArrayLike<number> | readonly (readonly number[])[],
  options: KSGOptions = {},
): KSGResult {
  const k = options.k ?? 3;
  const X = columns(x, "ksgMutualInformation (x)");
  const Z = columns(z, "ksgMutualInformation (z)");
  if (X.n !== Z.n) throw new RangeError(`ksgMutualInformation: x has ${X.n} samples but z has ${Z.n}`);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`ksgMutualInformation: k must be a positive integer, got ${k}`);
  for (const [c, name] of [[X, "x"], [Z, "z"]] as const) {
    for (let i = 0; i < c.data.length; i++) if (!Number.isFinite(c.data[i]!)) throw new RangeError(`ksgMutualInformation: ${name} holds a non-finite value at flat index ${i}`);
  }
  const blocks = options.blocks ?? 10;
  if (X.n <= k) throw new RangeError(`ksgMutualInformation: needs more than k = ${k} samples, got ${X.n}`);
  const est = options.method === "brute" ? ksgEstimateBrute : ksgEstimate;
  const estimate = est(X, Z, k);
  const blockEstimates: number[] = [];
  let stderr = NaN;
  if (blocks >= 2) {
    const size = Math.floor(X.n / blocks);
    if (size <= k + 1) throw new RangeError(`ksgMutualInformation: ${X.n} samples in ${blocks} blocks leaves ${size} per block, too few for k = ${k}; lower { blocks }`);
    const perm = new Generator(options.seed ?? 0).permutation(X.n);
    for (let b = 0; b < blocks; b++) {
      const rows = perm.subarray(b * size, (b + 1) * size);
      blockEstimates.push(est(pick(X, rows), pick(Z, rows), k));
    }
    const m = blockEstimates.reduce((s, v) => s + v, 0) / blocks;
    const v = blockEstimates.reduce((s, e) => s + (e - m) ** 2, 0) / (blocks - 1);
    stderr = Math.sqrt(v / blocks);
  }
  const u = (v: number): number => fromNats(v, options, "ksgMutualInformation");
  return { estimate: u(estimate), stderr: u(stderr), k, n: X.n, blockEstimates: blockEstimates.map(u) };
}
