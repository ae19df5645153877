/** Parameter-free layers: activations, Flatten, Identity, and the Sequential container. */
import { relu, sigmoid, tanh } from "../ops/elementwise.js";
import { flatten } from "../ops/view.js";
import type { Tensor } from "../tensor.js";
import { Conv2d } from "./conv.js";
import { Module } from "./module.js";
import { isLeafLayer, markLeafLayers, runLayer, runLayerAs } from "./internal-outputs.js";
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

/**
 * Runs modules in order; they are named "0", "1", … as in PyTorch. Where an nn.Conv2d is directly
 * followed by an nn.ReLU (neither with its forward replaced), the pair runs as one op with the ReLU
 * in the convolution's epilogue (`Conv2d.forwardRelu`): the same numbers as running them one by one.
 */
export class Sequential extends Module {
  /** The layers, in order. */
  readonly layers: Module[];
  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((m, i) => this.module(String(i), m));
  }
  /**
   * Feed x through every layer in order (a Conv2d and the ReLU after it as one fused op). An output
   * passed from one of fundl's leaf layers straight to another is never handed to user code, so the
   * graph owns its storage (src/nn/internal-outputs.ts).
   */
  forward(x: Tensor): Tensor {
    let h = x;
    const layers = this.layers;
    for (let i = 0; i < layers.length; i++) {
      const m = layers[i]!;
      if (m instanceof Conv2d && fusesWithRelu(m, layers[i + 1])) {
        const conv = m;
        h = runLayerAs(conv, () => conv.forwardRelu(h), layers[i + 2]);
        i++; // the ReLU ran in the conv's epilogue
        continue;
      }
      // a leaf layer that hands its input on unchanged (Identity, Dropout in eval) passes owned
      // storage along: where it reaches a layer of the user's (which may keep it) or the caller, it escapes
      if (!isLeafLayer(m)) markEscaped(h.data);
      h = runLayer(m, h, layers[i + 1]) as Tensor;
    }
    markEscaped(h.data);
    return h;
  }
}

markLeafLayers(ReLU, Sigmoid, Tanh, Identity, Flatten);

/** A Conv2d whose forward is Conv2d's own, followed by a ReLU whose forward is ReLU's own: fusable. */
function fusesWithRelu(conv: Conv2d, next: Module | undefined): boolean {
  return next instanceof ReLU && next.forward === ReLU.prototype.forward && conv.forward === Conv2d.prototype.forward;
}
