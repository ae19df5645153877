/**
 * The lab's records. The unit is a *statement* of the seed's answer key (statement.ts): quoted
 * verbatim, with one verdict backed by measurements at one or more settings and by negative controls.
 * A *claim* is the older per-setting record (one check of the key's formula at one setting); it is
 * still derived from the statements for readers of the first edition's results.json.
 */
import type { Statement, StatementVerdict } from "./statement.js";

/** Per-setting verdict of a claim. */
export type Verdict = "agrees" | "disagrees";

/** Plain parameters of a setting (printed in tables and kept in results.json). */
export type Params = Record<string, number | string | boolean>;

/** The key's formula checked at one setting (derived from a statement's checks). */
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

/** How a plot series is drawn: measured points, the key (dashed), corrected or exact laws, negative controls. */
export type SeriesKind = "measured" | "key" | "corrected" | "exact" | "control" | "other";

/** One point of a plot series. */
export interface PlotPoint {
  x: number;
  y: number;
  /** Error bar (measured ± uncertainty), when there is one. */
  lo?: number;
  hi?: number;
}

/** One series of a plot: a name (shown in the legend) and how it is drawn. */
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

/** What one problem's experiment returns. */
export interface ProblemOutput {
  /** How the experiment meets the problem's assumptions, in a few sentences. */
  setup: string;
  /** Every statement of this problem's part of the key, in the key's order. */
  statements: Statement[];
  /** Measured quantities the key makes no claim about. */
  measurements: Measurement[];
  plots: PlotSpec[];
}

/** One problem's results. */
export interface ProblemResult extends ProblemOutput {
  id: string;
  title: string;
  seconds: number;
  /** The key's per-setting checks as first-edition claims (derived from `statements`). */
  claims: Claim[];
}

/** A problem that could not run, with the reason. */
export interface Unavailable {
  id: string;
  title: string;
  reason: string;
}

/** Counts over statements (and, for the first edition's readers, over per-setting claims). */
export interface LabSummary {
  statements: number;
  /** Statements per verdict. */
  verdicts: Record<StatementVerdict, number>;
  errata: number;
  typos: number;
  substantive: number;
  /** Negative controls run, and those accepted (an accepted control is a defect of the lab). */
  controls: number;
  controlsAccepted: number;
  /** Parts a), b), … of the problems with no tested statement. */
  untestedParts: string[];
  claims: number;
  agrees: number;
  disagrees: number;
  /** Of the disagreements: how many have a corrected form the measurement agrees with. */
  correctedAgrees: number;
  correctedDisagrees: number;
  uncorrected: number;
}

/** Everything `runLab` measured. */
export interface LabResult {
  problems: ProblemResult[];
  unavailable: Unavailable[];
  failed: Unavailable[];
  quick: boolean;
  seconds: number;
  sigmas: number;
  summary: LabSummary;
}
