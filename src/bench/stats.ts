/** Summaries of repeated timings: the median and the spread of the samples. */
export interface Timing {
  ms: number;
  min: number;
  max: number;
  samples: number;
  /** Median CPU milliseconds per step, all threads together (less sensitive to other processes than wall time). */
  cpuMs?: number;
  /** Median minor page faults per step (memory touched for the first time). */
  faults?: number;
  /** The slowest sample over the median: how steady the steps are (page-fault bursts and GC pauses show here). */
  slowestOverMedian: number;
  /** Only one sample was taken (the peer is too slow to repeat). */
  single?: boolean;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function summarize(samples: number[], single = false, cpu: number[] = [], faults: number[] = []): Timing {
  const s = [...samples].sort((a, b) => a - b);
  const cpuMs = cpu.length && cpu.every(Number.isFinite) ? median(cpu) : undefined;
  const pf = faults.length && faults.every(Number.isFinite) ? median(faults) : undefined;
  return {
    ms: median(s), min: s[0]!, max: s[s.length - 1]!, samples: s.length, slowestOverMedian: s[s.length - 1]! / median(s),
    ...(cpuMs === undefined ? {} : { cpuMs }), ...(pf === undefined ? {} : { faults: pf }), ...(single ? { single: true } : {}),
  };
}

/** Round for display and JSON: 3 significant digits, at least 2 decimals below 10. */
export function round(x: number): number {
  if (!Number.isFinite(x)) return x;
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(x) || 1)));
  return Number(x.toFixed(Math.min(digits, 4)));
}
