/** What every experiment file provides, and what it gets while it runs. */
import type { ProblemOutput } from "./claim.js";

/** What an experiment gets while it runs. */
export interface LabContext {
  /** A smaller version of every experiment (for tests): fewer seeds, settings and steps. */
  quick: boolean;
  /** Report one unit of progress (of `steps(quick)`); yields to the event loop so the bar redraws. */
  tick(label?: string): Promise<void>;
}

/** One problem of the seed: its id, title, and the experiment that measures its statements. */
export interface Problem {
  id: string;
  title: string;
  /** How many ticks `run` will report (for the progress bar). */
  steps(quick: boolean): number;
  run(ctx: LabContext): Promise<ProblemOutput>;
}
