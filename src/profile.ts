/**
 * Counting work: `profile(fn)` runs fn and reports, per op kind, how many calls, multiplies and adds
 * ran and the wall time. Ops report their own counts (from their index equations, exactly), and an
 * op's backward is reported under "<op>.backward" with everything it ran inside counted there.
 */
export interface OpStats {
  /** Number of calls. */
  calls: number;
  /** Multiplications performed (forward and backward). */
  multiplies: number;
  /** Additions performed (forward and backward). */
  adds: number;
  /** Wall-clock milliseconds spent in the op. */
  ms: number;
  /** Op-specific extra counters, e.g. conv2d's multiplies that touched real (not padded) pixels. */
  extra?: Record<string, number>;
}

/** What `profile` returns: the function's result, the total multiplies, adds and milliseconds, and the same per op. */
export interface ProfileReport<T> {
  /** What the profiled function returned. */
  result: T;
  /** Multiplies, adds and milliseconds of all ops together. */
  total: { multiplies: number; adds: number; ms: number };
  /** The same per op name. */
  byOp: Record<string, OpStats>;
}

class Profiler {
  byOp: Record<string, OpStats> = {};
  stats(key: string): OpStats {
    return (this.byOp[key] ??= { calls: 0, multiplies: 0, adds: 0, ms: 0 });
  }
}

let active: Profiler | null = null;
/** The op (or "<op>.backward") that work is being attributed to, innermost last. */
const attribution: string[] = [];

export function isProfiling(): boolean {
  return active !== null;
}

/** Add work to the op currently running (no-op unless profiling). */
export function countWork(multiplies: number, adds: number, extra?: Record<string, number>): void {
  if (!active || attribution.length === 0) return;
  const s = active.stats(attribution[attribution.length - 1]!);
  s.multiplies += multiplies;
  s.adds += adds;
  if (extra) {
    s.extra ??= {};
    for (const [k, v] of Object.entries(extra)) s.extra[k] = (s.extra[k] ?? 0) + v;
  }
}

/**
 * Run `fn` attributed to `key`. Nested calls (an op used inside another op's forward or backward)
 * count towards the outermost key, so each op's totals are exactly its own work.
 */
export function attributed<T>(key: string, fn: () => T): T {
  if (!active) return fn();
  if (attribution.length > 0) return fn();
  const s = active.stats(key);
  s.calls++;
  attribution.push(key);
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    s.ms += performance.now() - t0;
    attribution.pop();
  }
}

/** Run `fn` and report the work every op did, by op kind. Profiles nest: the innermost one collects. */
export function profile<T>(fn: () => T): ProfileReport<T> {
  const saved = active;
  const savedAttr = attribution.splice(0);
  const p = new Profiler();
  active = p;
  const t0 = performance.now();
  let result: T;
  try {
    result = fn();
  } finally {
    active = saved;
    attribution.push(...savedAttr);
  }
  const ms = performance.now() - t0;
  let multiplies = 0;
  let adds = 0;
  for (const s of Object.values(p.byOp)) {
    multiplies += s.multiplies;
    adds += s.adds;
  }
  return { result, total: { multiplies, adds, ms }, byOp: p.byOp };
}
