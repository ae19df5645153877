/** nn.MaxPool2d / nn.AvgPool2d: window, stride (default: the window) and zero padding. */
import { avgPool2d, maxPool2d } from "../ops/pool.js";
import type { Tensor } from "../tensor.js";
import { Module } from "./module.js";
import { markLeafLayers } from "./internal-outputs.js";

/** Options of the pooling layers: stride (default the kernel size) and padding. */
export interface Pool2dModuleOptions {
  /** Step between windows (default: the kernel size). */
  stride?: number | readonly [number, number];
  /** Padding on each side (default 0). */
  padding?: number | readonly [number, number];
}

/** Max pooling layer over windows of `kernelSize` (see `maxPool2d`). */
export class MaxPool2d extends Module {
  constructor(readonly kernelSize: number | readonly [number, number], readonly options: Pool2dModuleOptions = {}) {
    super();
  }
  /** `maxPool2d` of x with this layer's window, stride and padding. */
  forward(x: Tensor): Tensor {
    return maxPool2d(x, { kernel: this.kernelSize, ...this.options });
  }
}

/** Average pooling layer over windows of `kernelSize` (see `avgPool2d`). */
export class AvgPool2d extends Module {
  constructor(readonly kernelSize: number | readonly [number, number], readonly options: Pool2dModuleOptions & { countIncludePad?: boolean } = {}) {
    super();
  }
  /** `avgPool2d` of x with this layer's window, stride and padding. */
  forward(x: Tensor): Tensor {
    return avgPool2d(x, { kernel: this.kernelSize, ...this.options });
  }
}

markLeafLayers(MaxPool2d, AvgPool2d);
