/**
 * The lab's records. A *claim* is one statement of the seed's answer key at one setting: the key's
 * value, the value the framework measured (with its uncertainty), and a verdict computed from the
 * two. Where the key disagrees with the measurement, the experiment supplies a corrected closed form
 * and the same test decides whether the measurement agrees with that.
 */
export type Verdict = "agrees" | "disagrees";

/** Plain parameters of a setting (printed in tables and kept in results.json). */
export type Params = Record<string, number | string | boolean>;

export interface Claim {
  id: string;
  statement: string;
  params: Params;
  /** The answer key's value at this setting. */
  key: number | null;
  /** What the framework measured. */
  measured: number | null;
  /** One standard error of the measurement (statistical claims) or 0 for exact computations. */
  uncertainty: number;
  verdict: Verdict;
  /** Value of the corrected closed form (only when the key disagrees and a correction is known). */
  corrected: number | null;
  correctedVerdict: Verdict | null;
  note: string;
  /** How the verdict was decided, in words: "|measured − key| ≤ 3σ" or an exact tolerance. */
  criterion: string;
  /** The corrected closed form as a formula (with `corrected`). */
  correctedFormula?: string;
  /**
   * Identity claims ("the key's expression equals the definition") measure a difference; the corrected
   * expression is a different computation with its own measured difference, given here.
   */
  correctedMeasured?: number;
}

/** A measured quantity the key makes no claim about (throughput, the true likelihood, …). */
export interface Measurement {
  name: string;
  params: Params;
  value: number;
  uncertainty: number;
  unit?: string;
  /** A closed form we derived for it, when there is one, and whether the measurement agrees. */
  reference?: number;
  referenceFormula?: string;
  agrees?: boolean;
}

export type SeriesKind = "measured" | "key" | "corrected" | "other";

export interface PlotPoint {
  x: number;
  y: number;
  /** Error bar (measured ± uncertainty), when there is one. */
  lo?: number;
  hi?: number;
}

export interface PlotSeries {
  name: string;
  kind: SeriesKind;
  points: PlotPoint[];
}

/** A plot as data; the report renders it to SVG. */
export interface PlotSpec {
  id: string;
  title: string;
  xTitle: string;
  yTitle: string;
  logX?: boolean;
  logY?: boolean;
  /** Label the x axis with integers only (layers, nodes). */
  xIntegers?: boolean;
  series: PlotSeries[];
}

export interface ProblemOutput {
  /** How the experiment meets the problem's assumptions, in a few sentences. */
  setup: string;
  claims: Claim[];
  measurements: Measurement[];
  plots: PlotSpec[];
}

export interface ProblemResult extends ProblemOutput {
  id: string;
  title: string;
  seconds: number;
}

export interface Unavailable {
  id: string;
  title: string;
  reason: string;
}

export interface LabSummary {
  claims: number;
  agrees: number;
  disagrees: number;
  /** Of the disagreements: how many have a corrected form the measurement agrees with. */
  correctedAgrees: number;
  correctedDisagrees: number;
  uncorrected: number;
}

export interface LabResult {
  problems: ProblemResult[];
  unavailable: Unavailable[];
  failed: Unavailable[];
  quick: boolean;
  seconds: number;
  sigmas: number;
  summary: LabSummary;
}
