/**
 * The Train page's training run, step for step the one of `fundl train mnist` (src/cli/train-mnist.ts):
 * the seeded 8,000/2,000 split of the 10,000 digits (fl.data.mnistSplit's permutation), the same
 * CNN (fl.models.mnistCnn), Adam with a cosine schedule stepped per batch, the seeded DataLoader
 * and the same random shifts per (seed, epoch, step) — so a seed gives the CLI's losses. It yields
 * to the event loop between steps (so a worker can take "stop" and "predict" messages), and saves
 * and loads the CLI's checkpoint layout. Runs in a worker and in Node (the tests compare them).
 */
import * as fl from "../../src/index.js";
import { countCorrect, evaluate } from "../../src/cli/accuracy.js";

/** Training settings; the defaults are `fundl train mnist`'s. */
export interface TrainSettings {
  epochs: number;
  batch: number;
  lr: number;
  seed: number;
  /** Shift training images by up to this many pixels (0: no augmentation). */
  augment: number;
  /** Train on the first rows of the training split only (null: all 8,000). */
  trainLimit: number | null;
  /** Evaluate on the first rows of the held-out split only (null: all 2,000). */
  testLimit: number | null;
  widths: { c1: number; c2: number; hidden: number };
}

/** `fundl train mnist`'s defaults. */
export const TRAIN_DEFAULTS: TrainSettings = { epochs: 10, batch: 64, lr: 2e-3, seed: 0, augment: 1, trainLimit: null, testLimit: null, widths: { ...fl.models.MNIST_WIDTHS } };

/** One optimiser step's report. */
export interface StepReport {
  epoch: number;
  /** Step within the epoch, from 1. */
  step: number;
  steps: number;
  loss: number;
  /** Running mean loss and accuracy of this epoch so far. */
  meanLoss: number;
  accuracy: number;
  imagesPerSecond: number;
  /** This step's time (forward, backward, optimiser), in milliseconds. */
  ms: number;
}

/** One epoch's report (as the CLI's EpochResult). */
export interface EpochReport {
  epoch: number;
  epochs: number;
  trainLoss: number;
  trainAccuracy: number;
  testAccuracy: number;
  seconds: number;
  imagesPerSecond: number;
}

/** Hooks for a run; `pause` is awaited after every step (a worker yields to its event loop there). */
export interface RunHooks {
  onStep?: (r: StepReport) => void;
  onEpoch?: (r: EpochReport) => void;
  shouldStop?: () => boolean;
  pause?: () => Promise<void>;
  /** Stop after this many steps in all (tests). */
  maxSteps?: number;
}

/** The 10,000 digits split as fl.data.mnistSplit does (seed 0, 8,000 for training). */
export function splitDigits(all: fl.data.TensorDataset): { train: fl.data.TensorDataset; test: fl.data.TensorDataset } {
  const perm = new fl.Generator(0).permutation(all.length);
  const trainSize = Math.round(all.length * 0.8);
  return { train: all.subset(perm.subarray(0, trainSize)), test: all.subset(perm.subarray(trainSize)) };
}

/** The CLI's augmentation seed from (seed, epoch, step). */
function augmentSeed(seed: number, epoch: number, step: number): number {
  return (epoch * 65536 + step) * 2097152 + ((seed >>> 0) % 2097152);
}

function firstRows(ds: fl.data.TensorDataset, n: number | null): fl.data.TensorDataset {
  return n === null || n >= ds.length ? ds : ds.subset(Int32Array.from({ length: n }, (_, i) => i));
}

/** A model, its optimiser and data, trained by `run` and queried by `predict`. */
export class MnistTrainer {
  readonly settings: TrainSettings;
  readonly train: fl.data.TensorDataset;
  readonly test: fl.data.TensorDataset;
  model: fl.nn.Sequential;
  private optimizer: fl.optim.Adam;
  private loader: fl.data.DataLoader;
  private scheduler: fl.optim.CosineAnnealingLR;
  private epochsDone = 0;
  private history: EpochReport[] = [];

  /** `data`: all 10,000 digits (split here as fl.data.mnistSplit does) or a split. */
  constructor(data: fl.data.TensorDataset | { train: fl.data.TensorDataset; test: fl.data.TensorDataset }, settings: Partial<TrainSettings> = {}) {
    this.settings = { ...TRAIN_DEFAULTS, ...settings };
    const split = data instanceof fl.data.TensorDataset ? splitDigits(data) : data;
    this.train = firstRows(split.train, this.settings.trainLimit);
    this.test = firstRows(split.test, this.settings.testLimit);
    const { seed, widths, lr, batch, epochs } = this.settings;
    this.model = fl.models.mnistCnn({ seed, widths });
    this.optimizer = new fl.optim.Adam(this.model.parameters(), { lr });
    this.loader = new fl.data.DataLoader(this.train, { batchSize: batch, shuffle: true, seed });
    // cosine decay from lr to 0 over the whole run, stepped once per batch (as the CLI)
    this.scheduler = new fl.optim.CosineAnnealingLR(this.optimizer, { tMax: epochs * this.loader.length });
  }

  /** Train the remaining epochs (or until stopped); returns the epochs' reports. */
  async run(hooks: RunHooks = {}): Promise<EpochReport[]> {
    const { epochs, augment, seed } = this.settings;
    let total = 0;
    for (let epoch = this.epochsDone; epoch < epochs; epoch++) {
      this.model.train();
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let step = this.loader.position;
      let busy = 0;
      for (const { x, y } of this.loader) {
        const t0 = performance.now();
        const input = augment > 0 ? fl.data.randomShift(x, augment, new fl.Generator(augmentSeed(seed, epoch, step))) : x;
        const logits = this.model.forward(input) as fl.Tensor;
        const loss = fl.crossEntropy(logits, y);
        const lv = loss.item();
        if (!Number.isFinite(lv)) throw new Error(`train: the loss became ${lv} at epoch ${epoch + 1}, step ${step + 1}; lower the learning rate`);
        this.optimizer.zeroGrad();
        loss.backward();
        this.optimizer.step();
        this.scheduler.step();
        step++;
        total++;
        lossSum += lv * y.length;
        correct += countCorrect(logits, y);
        seen += y.length;
        const ms = performance.now() - t0;
        busy += ms;
        hooks.onStep?.({ epoch: epoch + 1, step, steps: this.loader.length, loss: lv, meanLoss: lossSum / seen, accuracy: correct / seen, imagesPerSecond: (seen * 1000) / busy, ms });
        await hooks.pause?.();
        if (hooks.shouldStop?.() || (hooks.maxSteps !== undefined && total >= hooks.maxSteps)) return this.history;
      }
      const r: EpochReport = { epoch: epoch + 1, epochs, trainLoss: lossSum / Math.max(1, seen), trainAccuracy: correct / Math.max(1, seen), testAccuracy: evaluate(this.model, this.test), seconds: busy / 1000, imagesPerSecond: (seen * 1000) / busy };
      this.epochsDone = epoch + 1;
      this.history.push(r);
      hooks.onEpoch?.(r);
    }
    return this.history;
  }

  /** Class probabilities for one 28×28 image of [0, 1] pixels. */
  predict(pixels: Float32Array): Float32Array {
    return predict(this.model, pixels);
  }

  /** The model and training state as a checkpoint file (the layout `fundl train mnist --save` writes). */
  save(): Uint8Array {
    const s = this.settings;
    const meta = {
      task: "mnist",
      epoch: this.epochsDone,
      settings: { ...s, standardize: true, dropout: 0 },
      loader: this.loader.stateDict(),
      scheduler: this.scheduler.stateDict(),
      history: this.history,
    };
    const { tensors, metadata } = fl.io.packCheckpoint({ model: this.model.stateDict(), optimizer: this.optimizer.stateDict(), meta });
    return fl.io.serialize(tensors, metadata);
  }
}

/** Class probabilities of `model` for one 28×28 image. */
export function predict(model: fl.nn.Module, pixels: Float32Array): Float32Array {
  if (pixels.length !== 784) throw new RangeError(`predict: expected 784 pixels (28×28), got ${pixels.length}`);
  model.eval();
  const probs = fl.noGrad(() => fl.softmax(model.forward(new fl.Tensor(Float32Array.from(pixels), [1, 1, 28, 28])) as fl.Tensor, 1));
  model.train();
  return Float32Array.from(probs.data);
}

/**
 * A model from a safetensors file: a fundl checkpoint (e.g. `fundl train mnist --save`) or a plain
 * state dict of the MNIST CNN. The widths come from the checkpoint's settings, else from the shapes.
 */
export function loadModel(bytes: Uint8Array, source = "model file"): { model: fl.nn.Sequential; meta: Record<string, unknown> | null } {
  const contents = fl.io.deserialize(bytes, source);
  const isCheckpoint = contents.metadata.format === fl.io.CHECKPOINT_FORMAT;
  const ck = isCheckpoint ? fl.io.unpackCheckpoint(contents, source) : { model: contents.tensors, meta: undefined };
  // layers by their index in the Sequential: 4-D weights are the convolutions, 2-D the dense layers
  const weights = Object.entries(ck.model)
    .filter(([k]) => /^\d+\.weight$/.test(k))
    .map(([k, t]) => ({ index: Number(k.split(".")[0]), shape: t.shape }))
    .sort((a, b) => a.index - b.index);
  const convs = weights.filter((w) => w.shape.length === 4);
  const dense = weights.filter((w) => w.shape.length === 2);
  if (convs.length !== 2 || dense.length !== 2) throw new Error(`${source}: not fundl's MNIST CNN (expected 2 convolution and 2 dense weights, found ${convs.length} and ${dense.length})`);
  const widths = { c1: convs[0]!.shape[0]!, c2: convs[1]!.shape[0]!, hidden: dense[0]!.shape[0]! };
  const standardize = "0.mean" in ck.model;
  // a Dropout layer sits between the two dense layers when their indices are 3 apart (ReLU, Dropout)
  const dropout = dense[1]!.index - dense[0]!.index === 3 ? 0.5 : 0;
  const model = fl.models.mnistCnn({ widths, standardize, dropout });
  model.loadStateDict(ck.model);
  return { model, meta: ck.meta ?? null };
}
