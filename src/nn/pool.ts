/** nn.MaxPool2d / nn.AvgPool2d: window, stride (default: the window) and zero padding. */
import { avgPool2d, maxPool2d } from "../ops/pool.js";
import type { Tensor } from "../tensor.js";
import { Module } from "./module.js";

export interface Pool2dModuleOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
}

export class MaxPool2d extends Module {
  constructor(readonly kernelSize: number | readonly [number, number], readonly options: Pool2dModuleOptions = {}) {
    super();
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, { kernel: this.kernelSize, ...this.options });
  }
}

export class AvgPool2d extends Module {
  constructor(readonly kernelSize: number | readonly [number, number], readonly options: Pool2dModuleOptions & { countIncludePad?: boolean } = {}) {
    super();
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, { kernel: this.kernelSize, ...this.options });
  }
}
