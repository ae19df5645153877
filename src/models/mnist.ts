/**
 * The CNN that `fundl train mnist` trains, so that your own code can rebuild it and load a
 * checkpoint: `const model = fl.models.mnistCnn(); model.loadStateDict(fl.io.loadCheckpoint(file).model)`.
 */
import { Module } from "../nn/module.js";
import { Conv2d } from "../nn/conv.js";
import { MaxPool2d } from "../nn/pool.js";
import { Linear } from "../nn/linear.js";
import { Flatten, ReLU, Sequential } from "../nn/basic.js";
import { Dropout } from "../nn/dropout.js";
import { div, sub } from "../ops/elementwise.js";
import { Generator } from "../random.js";
import { tensor, type Tensor } from "../tensor.js";

/** Channel and unit counts of the CNN (defaults: conv 1→32, conv 32→64, dense 3136→128→10). */
export interface MnistWidths {
  /** Channels of the first convolution. */
  c1: number;
  /** Channels of the second convolution. */
  c2: number;
  /** Units of the hidden dense layer. */
  hidden: number;
}

/** The default widths of `mnistCnn`: conv 1→32, conv 32→64, dense 3136→128→10. */
export const MNIST_WIDTHS: Readonly<MnistWidths> = Object.freeze({ c1: 32, c2: 64, hidden: 128 });

/** MNIST's pixel mean and standard deviation (the usual constants, of the 60,000 training digits, pixels in [0, 1]). */
export const MNIST_MEAN = 0.1307;
/** See MNIST_MEAN. */
export const MNIST_STD = 0.3081;

/** x ↦ (x − mean) / std, with mean and std kept as buffers (so a checkpoint carries them). */
export class Standardize extends Module {
  constructor(mean: number, std: number) {
    super();
    if (!(std > 0)) throw new RangeError(`Standardize: std must be > 0, got ${std}`);
    this.buffer("mean", tensor([mean]));
    this.buffer("std", tensor([std]));
  }

  /** (x − mean) / std. */
  forward(x: Tensor): Tensor {
    // y[…] = (x[…] − mean) / std
    return div(sub(x, this.getBuffer("mean")), this.getBuffer("std"));
  }
}

/** Options of `mnistCnn`: seed, widths, standardization and dropout. */
export interface MnistCnnOptions {
  /** Seed of the initial weights (default 0). */
  seed?: number;
  /** Channel and unit counts (default MNIST_WIDTHS). */
  widths?: MnistWidths;
  /** Start with a Standardize layer, so the model takes raw [0, 1] pixels (default true). */
  standardize?: boolean;
  /** Dropout probability before the last dense layer (default 0: no Dropout layer). */
  dropout?: number;
  /** The Standardize layer's pixel mean and std (default MNIST_MEAN, MNIST_STD; other datasets have their own). */
  mean?: number;
  /** The Standardize layer's std (default MNIST_STD). */
  std?: number;
}

/**
 * [Standardize(0.1307, 0.3081)], conv3×3 1→c1 (same), ReLU, maxpool 2, conv3×3 c1→c2 (same), ReLU,
 * maxpool 2, flatten, dense c2·7·7→hidden, ReLU, dense hidden→10. Input [N, 1, 28, 28] pixels in
 * [0, 1]; output logits [N, 10]. State-dict names (with Standardize): 0.mean, 0.std, 1.weight,
 * 1.bias, 4.weight, 4.bias, 8.weight, 8.bias, 10.weight, 10.bias (11.weight, 11.bias for the last
 * layer when `dropout` > 0 puts a Dropout layer before it).
 */
export function mnistCnn(options: MnistCnnOptions = {}): Sequential {
  const generator = new Generator(options.seed ?? 0);
  const { c1, c2, hidden } = options.widths ?? MNIST_WIDTHS;
  return new Sequential(
    ...(options.standardize === false ? [] : [new Standardize(options.mean ?? MNIST_MEAN, options.std ?? MNIST_STD)]),
    new Conv2d(1, c1, 3, { padding: 1, generator }),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(c1, c2, 3, { padding: 1, generator }),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(c2 * 7 * 7, hidden, { generator }),
    new ReLU(),
    ...(options.dropout ? [new Dropout(options.dropout, { seed: options.seed ?? 0 })] : []),
    new Linear(hidden, 10, { generator }),
  );
}
