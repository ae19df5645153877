/**
 * `fundl train <task>`: one verb, a task per file (train-<task>.ts), each imported and registered in `tasks` below.
 * Options are shared; each task reads the ones it needs.
 */
import type { Command } from "commander";
import { positiveInt, positiveNumber } from "./output.js";
import { trainAdding } from "./train-adding.js";
import { trainMnistCli } from "./train-mnist.js";
import { trainFashionCli } from "./train-fashion.js";

export interface TrainOptions {
  epochs?: number;
  batch?: number;
  lr?: number;
  seed?: number;
  threads?: number;
  save?: string;
  resume?: string;
  json?: boolean;
  cell?: string;
  length?: number;
  steps?: number;
  backend?: string;
  /** Write the trained model as ONNX to this file (mnist, fashion-mnist). */
  exportOnnx?: string;
  /** A folder holding the four IDX files of a split (mnist, fashion-mnist). */
  data?: string;
}

export type TrainTask = (options: TrainOptions) => Promise<void>;

/** Task name → runner. Each task file adds itself here. */
export const tasks: Record<string, TrainTask> = {};
tasks.adding = trainAdding;
tasks.mnist = trainMnistCli;
tasks["fashion-mnist"] = trainFashionCli;

/**
 * Flags that only some tasks read: task → its own flags (option names as commander stores them).
 * A flag listed for one task is refused on every other task, so `train mnist --cell lstm` is an
 * error instead of being silently ignored. Flags listed for no task are shared by all.
 */
export const taskOnlyFlags: Record<string, readonly (keyof TrainOptions | string)[]> = {
  adding: ["cell", "length", "steps"],
  mnist: ["exportOnnx", "data"],
  "fashion-mnist": ["exportOnnx", "data"],
};

/** Refuse flags that belong to other tasks than `task`, naming the flag and its task(s). */
export function checkTaskFlags(task: string, options: object): void {
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const owners = Object.entries(taskOnlyFlags).filter(([, flags]) => flags.includes(key)).map(([t]) => t);
    if (owners.length > 0 && !owners.includes(task)) {
      const flag = "--" + key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
      throw new Error(`train ${task}: ${flag} belongs to the ${owners.join(" and ")} task${owners.length > 1 ? "s" : ""}, not to ${task}; leave it out`);
    }
  }
}

export function registerTrain(program: Command): void {
  program
    .command("train")
    .description("train a model on a task (mnist: a small CNN on handwritten digits; fashion-mnist: the same CNN on clothing; adding: recurrent cells on the adding problem)")
    .argument("<task>", "what to train")
    .option("--epochs <n>", "passes over the training data", positiveInt("--epochs"))
    .option("--batch <n>", "batch size", positiveInt("--batch"))
    .option("--lr <x>", "learning rate", positiveNumber("--lr"))
    .option("--seed <n>", "random seed", (v) => {
      const n = Number(v);
      if (!Number.isInteger(n)) throw new Error(`--seed must be an integer, got "${v}"`);
      return n;
    })
    .option("--threads <n>", "threads for the fast kernels", positiveInt("--threads"))
    .option("--backend <name>", "kernel backend: fast, js or reference")
    .option("--save <file>", "write a checkpoint (safetensors) after each epoch")
    .option("--resume <file>", "continue from a checkpoint")
    .option("--export-onnx <file>", "after training, write the model as ONNX (mnist, fashion-mnist)")
    .option("--data <dir>", "folder with the four IDX files (mnist: the full 60k/10k MNIST; fashion-mnist: default /usr/share/datasets/fashion-mnist)")
    .option("--cell <kind>", "recurrent cell (adding task): ugrnn | gru | lstm | rnn")
    .option("--length <T>", "sequence length (adding task)", positiveInt("--length"))
    .option("--steps <n>", "training steps (adding task)", positiveInt("--steps"))
    .option("--json", "end with one JSON line of results")
    .action(async (task: string, options: TrainOptions) => {
      const run = tasks[task];
      if (!run) {
        const known = Object.keys(tasks);
        throw new Error(`train: unknown task "${task}"${known.length ? `; known tasks: ${known.join(", ")}` : " (no tasks are installed)"}`);
      }
      checkTaskFlags(task, options);
      await run(options);
    });
}
