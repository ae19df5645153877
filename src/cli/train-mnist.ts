/**
 * `fundl train mnist`: a small CNN on the `mnist` package's 10,000 digits (seeded 8,000/2,000
 * split), with a progress bar, evaluation on the held-out 2,000 after every epoch, atomic
 * safetensors checkpoints (`--save`) that carry the model, the Adam state, the learning-rate
 * schedule and the data loader's position, and an exact `--resume`.
 */
import * as fl from "../index.js";
import { countCorrect, evaluate } from "./accuracy.js";
import type { Checkpoint } from "../io/checkpoint.js";
import type { MnistWidths } from "../models/mnist.js";
import { DivergenceGuard } from "./divergence.js";
import { validateEpochDone, validateMnistSettings, type MnistSettings } from "./mnist-settings.js";
import { printJsonLine } from "./output.js";
import { progressBar } from "./progress.js";
import type { TrainOptions } from "./train.js";
import { exportTrainedOnnx } from "./export-onnx.js";
import { chooseBackend, epochLine, setupTrainCli } from "./train-setup.js";

export { chooseBackend };

export const MNIST_DEFAULTS = { epochs: 10, batch: 64, lr: 2e-3, seed: 0, augment: 1, dropout: 0, widths: { ...fl.models.MNIST_WIDTHS } as MnistWidths };

/** The tasks whose runs `trainMnist` does; a checkpoint records its task and resumes only as that task. */
export type MnistTask = "mnist" | "fashion-mnist";

export interface MnistRunOptions {
  /** Which task this run is (default "mnist"): written into checkpoints as `meta.task`, required of a resumed checkpoint, and named in messages ("train fashion-mnist: …"). */
  task?: MnistTask;
  epochs?: number;
  batch?: number;
  lr?: number;
  seed?: number;
  save?: string;
  resume?: string;
  /** Use only the first rows of the split (tests and quick tries); default all 8,000 / 2,000. */
  trainLimit?: number;
  testLimit?: number;
  widths?: MnistWidths;
  /** Dropout probability before the last dense layer (default MNIST_DEFAULTS.dropout). */
  dropout?: number;
  /** Standardize pixels inside the model (default true). */
  standardize?: boolean;
  /** Shift training images by up to this many pixels (default 1; 0 turns augmentation off). */
  augment?: number;
  /** Report per-epoch results (the CLI prints them). */
  onEpoch?: (r: EpochResult) => void;
  /** Called after every optimiser step (tests use it to inject a fault). */
  afterStep?: (epoch: number, step: number, model: fl.nn.Module, optimizer: fl.optim.Adam) => void;
  /** Called after backward, before the optimiser step (tests use it to inject a fault into gradients). */
  afterBackward?: (epoch: number, step: number, model: fl.nn.Module) => void;
  /** Show a progress bar on stderr (default true; it is silent unless stderr is a terminal). */
  progress?: boolean;
  /** Train and test sets to use instead of the bundled digits' seeded split (e.g. from `fl.data.loadIdxSplit`). */
  split?: { train: fl.data.TensorDataset; test: fl.data.TensorDataset };
  /** Build the model instead of `fl.models.mnistCnn` (e.g. `fl.models.fashionCnn`); it gets the run's settings. */
  buildModel?: (o: fl.models.MnistCnnOptions) => fl.nn.Sequential;
  /** Augment a training batch instead of shifting it by `augment` pixels (it is called only when `augment` > 0). */
  augmentBatch?: (x: fl.Tensor, generator: fl.Generator) => fl.Tensor;
}

export interface EpochResult {
  epoch: number;
  epochs: number;
  trainLoss: number;
  trainAccuracy: number;
  testAccuracy: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface MnistResult {
  epochs: number;
  testAccuracy: number;
  trainSeconds: number;
  imagesPerSecond: number;
  history: EpochResult[];
  model: fl.nn.Sequential;
  optimizer: fl.optim.Adam;
}

type Settings = MnistSettings;

interface MnistMeta {
  task: MnistTask;
  /** Epochs completed. */
  epoch: number;
  settings: Settings;
  loader: fl.data.DataLoaderState;
  scheduler: fl.optim.SchedulerState;
  history: EpochResult[];
}

const now = (): number => performance.now() / 1000;

/** Train (or resume) the MNIST CNN; returns the held-out accuracy and timings. */
export async function trainMnist(options: MnistRunOptions = {}): Promise<MnistResult> {
  // the save target is checked and locked before anything runs: a missing directory fails now, not
  // after the first epoch, and a second trainer on the same path is refused instead of overwriting
  const task = options.task ?? "mnist";
  if (task !== "mnist" && task !== "fashion-mnist") throw new Error(`trainMnist: task must be "mnist" or "fashion-mnist", got ${JSON.stringify(task)}`);
  let lock: fl.io.FileLock | null = null;
  if (options.save) {
    fl.io.checkWritableTarget(options.save, `train ${task} --save`);
    lock = fl.io.lockFile(options.save, `fundl train ${task}`);
  }
  try {
    return await trainMnistLocked(options, task);
  } finally {
    lock?.release();
  }
}

async function trainMnistLocked(options: MnistRunOptions, task: MnistTask): Promise<MnistResult> {
  const command = `train ${task}`;
  let resumed: Checkpoint | null = null;
  let meta: MnistMeta | null = null;
  if (options.resume) {
    resumed = fl.io.loadCheckpoint(options.resume);
    meta = resumed.meta as unknown as MnistMeta;
    // same state-dict names, different pixel statistics and data: one task's weights must not continue on the other's
    const other = meta?.task;
    if ((other === "mnist" || other === "fashion-mnist") && other !== task) {
      throw new Error(`${command}: ${options.resume} is a checkpoint of ${other}, not of ${task}; resume it with \`fundl train ${other} --resume\``);
    }
    if (other !== task || typeof meta.epoch !== "number" || !meta.settings || !meta.loader || !meta.scheduler) {
      throw new Error(`${command}: ${options.resume} is a fundl checkpoint but not one written by \`fundl ${command} --save\``);
    }
  }
  const split = options.split ?? (await fl.data.mnistSplit());
  const sizes = { train: split.train.length, test: split.test.length };
  // a checkpoint's settings pass the same checks as a new run's options
  if (meta) validateMnistSettings(meta.settings, `checkpoint ${options.resume}`, sizes, command);
  const settings = validateMnistSettings(resolveSettings(options, meta?.settings ?? null, options.resume ?? "", command), "the options", sizes, command);
  const { epochs, batch, lr, seed, widths } = settings;

  const train = settings.trainLimit ? split.train.subset(range(settings.trainLimit)) : split.train;
  const test = settings.testLimit ? split.test.subset(range(settings.testLimit)) : split.test;

  const model = (options.buildModel ?? fl.models.mnistCnn)({ seed, widths, standardize: settings.standardize, dropout: settings.dropout });
  const optimizer = new fl.optim.Adam(model.parameters(), { lr });
  const loader = new fl.data.DataLoader(train, { batchSize: batch, shuffle: true, seed });
  // cosine decay from lr to 0 over the whole run, stepped once per batch
  const scheduler = new fl.optim.CosineAnnealingLR(optimizer, { tMax: epochs * loader.length });
  const history: EpochResult[] = meta?.history ? [...meta.history] : [];
  let startEpoch = 0;
  if (resumed && meta) {
    model.loadStateDict(resumed.model);
    if (!resumed.optimizer) throw new Error(`${command}: ${options.resume} has no optimiser state`);
    optimizer.loadStateDict(resumed.optimizer);
    scheduler.loadStateDict(meta.scheduler);
    loader.loadStateDict(meta.loader);
    startEpoch = validateEpochDone(meta.epoch, epochs, `checkpoint ${options.resume}`, command);
    if (startEpoch >= epochs) throw new Error(`${command}: ${options.resume} has already finished all ${epochs} epochs`);
  }

  // what the save file holds when a run stops: the last epoch this run saved, or what was there before
  let savedEpoch = 0;
  const guard = new DivergenceGuard(command, model.namedParameters(), optimizer, {
    note: () => {
      if (!options.save) return undefined;
      if (savedEpoch > 0) return `${options.save} still holds epoch ${savedEpoch}, the last good one`;
      if (options.resume === options.save) return `${options.save} still holds the checkpoint this run resumed from`;
      return `${options.save} was not written`;
    },
  });
  let trainSeconds = 0;
  let imagesSeen = 0;
  for (let epoch = startEpoch; epoch < epochs; epoch++) {
    model.train();
    // dropout masks restart from (seed, epoch) each epoch, so a run resumed at an epoch boundary draws the same ones
    for (const [, m] of model.namedModules()) if (m instanceof fl.nn.Dropout) m.reseed(augmentSeed(seed ^ 0x5bd1e995, epoch, 0xffff));
    const bar = options.progress === false ? null : progressBar(`epoch ${epoch + 1}/${epochs}`, loader.length, "loss {loss} acc {acc} {ips} img/s");
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let step = loader.position;
    const t0 = now();
    try {
      for (const { x, y } of loader) {
        // random shifts drawn from (seed, epoch, step) alone, so a resumed run draws the same ones
        const generator = new fl.Generator(augmentSeed(seed, epoch, step));
        const input = settings.augment > 0 ? (options.augmentBatch?.(x, generator) ?? fl.data.randomShift(x, settings.augment, generator)) : x;
        const logits = model.forward(input) as fl.Tensor;
        const loss = fl.crossEntropy(logits, y);
        const lv = loss.item();
        const at = `epoch ${epoch + 1}, step ${step + 1}`;
        guard.checkLoss(lv, at);
        optimizer.zeroGrad({ setToNone: false }); // the next backward adds into the same storage: no fresh arrays each step
        loss.backward();
        options.afterBackward?.(epoch, step, model);
        guard.checkGradients(at);
        optimizer.step();
        scheduler.step();
        options.afterStep?.(epoch, step, model, optimizer);
        step++;
        lossSum += lv * y.length;
        correct += countCorrect(logits, y);
        seen += y.length;
        bar?.update(step, { loss: (lossSum / seen).toFixed(4), acc: ((100 * correct) / seen).toFixed(1) + "%", ips: Math.round(seen / (now() - t0)) });
      }
    } finally {
      bar?.stop();
    }
    const seconds = now() - t0;
    trainSeconds += seconds;
    imagesSeen += seen;
    // parameters and optimiser state (moments, step counts) stay finite, or nothing is saved
    guard.checkParametersAndState(`the end of epoch ${epoch + 1} (step ${step})`);
    const testAccuracy = evaluate(model, test);
    const r: EpochResult = { epoch: epoch + 1, epochs, trainLoss: lossSum / Math.max(1, seen), trainAccuracy: correct / Math.max(1, seen), testAccuracy, seconds, imagesPerSecond: seen / seconds };
    history.push(r);
    options.onEpoch?.(r);
    if (options.save) {
      const m: MnistMeta = { task, epoch: epoch + 1, settings, loader: loader.stateDict(), scheduler: scheduler.stateDict(), history };
      fl.io.saveCheckpoint(options.save, { model: model.stateDict(), optimizer: optimizer.stateDict(), meta: m as unknown as Record<string, unknown> });
      savedEpoch = epoch + 1;
    }
  }
  const last = history[history.length - 1];
  return {
    epochs,
    testAccuracy: last?.testAccuracy ?? evaluate(model, test),
    trainSeconds,
    imagesPerSecond: trainSeconds > 0 ? imagesSeen / trainSeconds : 0,
    history,
    model,
    optimizer,
  };
}

function resolveSettings(o: MnistRunOptions, saved: Settings | null, file: string, command: string): Settings {
  const d = MNIST_DEFAULTS;
  const given: Partial<Settings> = { epochs: o.epochs, batch: o.batch, lr: o.lr, seed: o.seed, widths: o.widths, augment: o.augment, standardize: o.standardize, dropout: o.dropout, trainLimit: o.trainLimit, testLimit: o.testLimit };
  if (!saved) {
    return {
      epochs: given.epochs ?? d.epochs,
      batch: given.batch ?? d.batch,
      lr: given.lr ?? d.lr,
      seed: given.seed ?? d.seed,
      widths: given.widths ?? d.widths,
      augment: given.augment ?? d.augment,
      standardize: given.standardize ?? true,
      dropout: given.dropout ?? d.dropout,
      trainLimit: given.trainLimit ?? null,
      testLimit: given.testLimit ?? null,
    };
  }
  // a resumed run keeps the checkpoint's settings; a flag that disagrees would change the result
  const flag: Record<string, string> = { epochs: "--epochs", batch: "--batch", lr: "--lr", seed: "--seed", widths: "widths", augment: "augment", standardize: "standardize", dropout: "dropout", trainLimit: "trainLimit", testLimit: "testLimit" };
  for (const k of Object.keys(given) as (keyof Settings)[]) {
    const v = given[k];
    if (v !== undefined && JSON.stringify(v) !== JSON.stringify(saved[k])) {
      throw new Error(`${command}: ${flag[k]} ${JSON.stringify(v)} disagrees with ${file}, which was trained with ${JSON.stringify(saved[k])}; a resumed run keeps the checkpoint's settings (leave the flag out)`);
    }
  }
  return saved;
}

/** A generator seed from (seed, epoch, step), distinct for epoch < 2^15 and step < 2^16. */
function augmentSeed(seed: number, epoch: number, step: number): number {
  return (epoch * 65536 + step) * 2097152 + ((seed >>> 0) % 2097152);
}

function range(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/** FUNDL_MNIST_SUBSET="TRAIN,TEST" trains on the first rows only (quick tries and tests). */
function subsetFromEnv(): { trainLimit?: number; testLimit?: number } {
  const v = process.env.FUNDL_MNIST_SUBSET;
  if (!v) return {};
  const [a, b] = v.split(",").map(Number);
  if (!Number.isInteger(a) || !Number.isInteger(b) || a! < 1 || b! < 1 || a! > 8000 || b! > 2000) {
    throw new Error(`FUNDL_MNIST_SUBSET must be "TRAIN,TEST" with 1 ≤ TRAIN ≤ 8000 and 1 ≤ TEST ≤ 2000, got "${v}"`);
  }
  return { trainLimit: a, testLimit: b };
}

/** What to do when `--data DIR` lacks MNIST's IDX files. */
const MNIST_IDX_HOWTO = "Download the four files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) of MNIST into DIR, or leave --data out to train on the bundled 10,000 digits";

/** The `fundl train mnist` runner (registered in train.ts's `tasks`). */
export async function trainMnistCli(options: TrainOptions): Promise<void> {
  if (options.exportOnnx) fl.io.checkWritableTarget(options.exportOnnx, "train mnist --export-onnx"); // before training, not after
  const { backend, threads, log } = setupTrainCli(options);
  log(`mnist: backend ${backend}, ${threads} thread(s)${options.resume ? `, resuming from ${options.resume}` : ""}`);
  const r = await trainMnist({
    epochs: options.epochs,
    batch: options.batch,
    lr: options.lr,
    seed: options.seed,
    save: options.save,
    resume: options.resume,
    ...(options.data ? { split: await fl.data.loadIdxSplit(options.data, { name: "MNIST", howToGet: MNIST_IDX_HOWTO }) } : {}),
    ...subsetFromEnv(),
    onEpoch: (e) => log(epochLine(e)),
  });
  if (options.exportOnnx) exportTrainedOnnx(r.model, [1, 28, 28], options.exportOnnx, log);
  if (options.json) {
    printJsonLine({ task: "mnist", epochs: r.epochs, testAccuracy: r.testAccuracy, trainSeconds: r.trainSeconds, imagesPerSecond: r.imagesPerSecond });
  } else {
    log(`held-out accuracy ${(100 * r.testAccuracy).toFixed(2)}% after ${r.epochs} epochs; ${r.trainSeconds.toFixed(1)} s training, ${Math.round(r.imagesPerSecond)} images/s${options.save ? `; checkpoint ${options.save}` : ""}`);
  }
}
