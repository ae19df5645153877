/** Parameter-free layers: activations, Flatten, Identity, and the Sequential container. */
import { relu, sigmoid, tanh } from "../ops/elementwise.js";
import { flatten } from "../ops/view.js";
import type { Tensor } from "../tensor.js";
import { Module } from "./module.js";
import { markLeafLayers, runLayer } from "./internal-outputs.js";
import { markEscaped } from "../storage.js";

/** The layer y = max(x, 0). */
export class ReLU extends Module {
  /** max(x, 0). */
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** The layer y = 1 / (1 + e^−x). */
export class Sigmoid extends Module {
  /** 1 / (1 + e^−x). */
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** The layer y = tanh x. */
export class Tanh extends Module {
  /** tanh x. */
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** The layer y = x. */
export class Identity extends Module {
  /** x unchanged. */
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Flatten dims startDim..endDim (default: all but the batch dim). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }
  /** Merge dimensions startDim..endDim of x into one. */
  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }
}

/** Runs modules in order; they are named "0", "1", … as in PyTorch. */
export class Sequential extends Module {
  /** The layers, in order. */
  readonly layers: Module[];
  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((m, i) => this.module(String(i), m));
  }
  /**
   * Feed x through every layer in order. An output passed from one of fundl's leaf layers straight
   * to another is never handed to user code, so the graph owns its storage (src/nn/internal-outputs.ts).
   */
  forward(x: Tensor): Tensor {
    let h = x;
    const n = this.layers.length;
    for (let i = 0; i < n; i++) h = runLayer(this.layers[i]!, h, this.layers[i + 1]) as Tensor;
    markEscaped(h.data); // a last layer that hands its input on unchanged (Identity, eval Dropout) returns owned storage
    return h;
  }
}

markLeafLayers(ReLU, Sigmoid, Tanh, Identity, Flatten);
