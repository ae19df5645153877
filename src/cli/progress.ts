/**
 * Progress bars for long work, drawn on standard error so that standard output stays clean for
 * tables and the --json line. Quiet when stderr is not a terminal unless forced.
 */
import cliProgress from "cli-progress";

export interface Progress {
  /** Advance to `value` (of total) and show the given fields after the bar. */
  update(value: number, fields?: Record<string, string | number>): void;
  increment(fields?: Record<string, string | number>): void;
  stop(): void;
}

export function progressBar(label: string, total: number, fieldsFormat = ""): Progress {
  const forced = process.env.FUNDL_PROGRESS === "1";
  if (!process.stderr.isTTY && !forced) {
    let v = 0;
    return { update: (x) => void (v = x), increment: () => void v++, stop: () => {} };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {value}/{total} {percentage}% ${fieldsFormat}`.trimEnd(),
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
      noTTYOutput: forced,
      notTTYSchedule: 1000,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (value, fields) => bar.update(value, fields ?? {}),
    increment: (fields) => bar.increment(1, fields ?? {}),
    stop: () => bar.stop(),
  };
}
