/** nn.Dropout(p): zeroes each element with probability p in training (scaling the rest by 1/(1−p)); identity in eval. */
import { dropout } from "../ops/dropout.js";
import { Generator, generatorFor } from "../random.js";
import type { Tensor } from "../tensor.js";
import { Module } from "./module.js";
import { markLeafLayers } from "./internal-outputs.js";

/**
 * Dropout layer: zeroes each element with probability p in training mode and scales the rest by 1/(1 − p);
 * identity in eval mode.
 */
export class Dropout extends Module {
  /** The probability of zeroing an element. */
  readonly p: number;
  private generator: Generator;

  /** `seed` fixes the sequence of masks (one generator per module, advanced by every call). */
  constructor(p = 0.5, options: { seed?: number; generator?: Generator } = {}) {
    super();
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new RangeError(`Dropout: p must be a probability in [0, 1], got ${p}`);
    this.p = p;
    // its own generator when seeded (masks independent of other draws), else the global one
    this.generator = options.generator ?? generatorFor(options.seed);
  }

  /** Restart the mask sequence from `seed` (e.g. per epoch, so a resumed run draws the same masks). */
  reseed(seed: number): this {
    this.generator = new Generator(seed); // a fresh one: never reseeds a shared (global) generator
    return this;
  }

  /** In training mode, zero elements with probability p and scale the rest by 1/(1 − p); in eval mode return x. */
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, { training: this.training, generator: this.generator });
  }
}

markLeafLayers(Dropout);
