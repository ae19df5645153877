/**
 * What `fundl train mnist` and `fundl train fashion-mnist` share before and during a run: the
 * backend and thread count, where messages go (stderr under --json, so stdout holds only the JSON
 * line), and the per-epoch log line.
 */
import * as fl from "../index.js";
import type { EpochResult } from "./train-mnist.js";
import type { TrainOptions } from "./train.js";

/** Pick the backend: --backend, else "fast" when registered, else "js", else "reference". */
export function chooseBackend(requested?: string): string {
  const known = fl.listBackends();
  const name = requested ?? ["fast", "js", "reference"].find((b) => known.includes(b)) ?? "reference";
  fl.setBackend(name);
  return name;
}

/** A training command's backend (now set), thread count (now set) and message writer. */
export interface TrainCliSetup {
  backend: string;
  threads: number;
  /** Writes one message line: to stdout, or to stderr under --json. */
  log: (line: string) => void;
}

/** Apply --backend and --threads and pick where messages go. */
export function setupTrainCli(options: Pick<TrainOptions, "backend" | "threads" | "json">): TrainCliSetup {
  const backend = chooseBackend(options.backend);
  if (options.threads) fl.setThreads(options.threads);
  const log = options.json ? (s: string) => void process.stderr.write(s + "\n") : (s: string) => void process.stdout.write(s + "\n");
  return { backend, threads: fl.getThreads(), log };
}

/** The line printed after each epoch: loss, train and test accuracy, time and throughput. */
export function epochLine(e: EpochResult): string {
  return (
    `epoch ${e.epoch}/${e.epochs}  loss ${e.trainLoss.toFixed(4)}  train acc ${(100 * e.trainAccuracy).toFixed(2)}%  ` +
    `test acc ${(100 * e.testAccuracy).toFixed(2)}%  ${e.seconds.toFixed(1)} s  ${Math.round(e.imagesPerSecond)} img/s`
  );
}
