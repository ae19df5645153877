/**
 * Losses.
 *   crossEntropy: ℓ[n] = ln Σ_c e^{x[n,c]} − x[n, y[n]]
 *                 x.grad[n,c] += ℓ.grad[n] · (softmax(x)[n,c] − 1[c = y[n]])
 *   mseLoss:      ℓ = (1/N) Σ_i (p[i] − t[i])²
 */
import { gradBuffer, runOp } from "../autograd.js";
import { fmt, sameShape, ShapeError } from "../shape.js";
import { Tensor } from "../tensor.js";
import { mean, sum } from "./reduce.js";
import { checkTensor, empty, sameDType } from "./util.js";
import { abs, add, exp, log1p, mul, neg, relu, sub } from "./elementwise.js";

/** How a loss combines its per-element values: their mean, their sum, or none (one value per element). */
export type Reduction = "mean" | "sum" | "none";

function checkReduction(op: string, r: unknown): Reduction {
  if (r !== "mean" && r !== "sum" && r !== "none") throw new RangeError(`${op}: reduction must be "mean", "sum" or "none", got ${JSON.stringify(r)}`);
  return r;
}

/** Integer class labels from a tensor, typed array or plain array, checked against the class count. */
function labelsOf(labels: Tensor | ArrayLike<number>, n: number, classes: number): Int32Array {
  const src: ArrayLike<number> = labels instanceof Tensor ? labels.data : labels;
  if (src.length !== n) throw new ShapeError(`crossEntropy: ${src.length} labels for a batch of ${n} rows`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = src[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= classes) {
      throw new RangeError(`crossEntropy: label ${v} at position ${i} is not a class index in 0..${classes - 1}`);
    }
    out[i] = v;
  }
  return out;
}

/** Softmax cross-entropy of logits [N, C] against integer labels (mean over the batch by default). */
export function crossEntropy(logits: Tensor, labels: Tensor | ArrayLike<number>, options: { reduction?: Reduction } = {}): Tensor {
  checkTensor("crossEntropy", logits, "logits");
  const reduction = checkReduction("crossEntropy", options.reduction ?? "mean");
  if (logits.ndim !== 2) throw new ShapeError(`crossEntropy: logits must be [N, C], got ${fmt(logits.shape)}`);
  const [n, c] = logits.shape as [number, number];
  const y = labelsOf(labels, n, c);
  const perRow = runOp("crossEntropy", [logits], () => {
    const x = logits.data;
    const p = empty(logits.dtype, n * c); // softmax, kept for the backward
    const loss = empty(logits.dtype, n);
    for (let r = 0; r < n; r++) {
      let m = -Infinity;
      for (let k = 0; k < c; k++) m = Math.max(m, x[r * c + k]!);
      let s = 0;
      for (let k = 0; k < c; k++) s += p[r * c + k] = Math.exp(x[r * c + k]! - m);
      for (let k = 0; k < c; k++) p[r * c + k] = p[r * c + k]! / s;
      // ℓ[n] = ln Σ_c e^{x[n,c]} − x[n, y[n]]
      loss[r] = m + Math.log(s) - x[r * c + y[r]!]!;
    }
    return {
      out: new Tensor(loss, [n]),
      backward: (out) => {
        const g = out.grad!.data;
        const gx = gradBuffer(logits);
        // x.grad[n,c] += ℓ.grad[n] · (p[n,c] − 1[c = y[n]])
        for (let r = 0; r < n; r++)
          for (let k = 0; k < c; k++) {
            const i = r * c + k;
            gx[i] = gx[i]! + g[r]! * (p[i]! - (k === y[r] ? 1 : 0));
          }
      },
    };
  });
  return reduction === "none" ? perRow : reduction === "sum" ? sum(perRow) : mean(perRow);
}

/** Mean squared error (or its sum, or per element). */
export function mseLoss(pred: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  checkTensor("mseLoss", pred, "prediction");
  checkTensor("mseLoss", target, "target");
  sameDType("mseLoss", pred, target);
  const reduction = checkReduction("mseLoss", options.reduction ?? "mean");
  if (!sameShape(pred.shape, target.shape)) {
    throw new ShapeError(`mseLoss: prediction ${fmt(pred.shape)} and target ${fmt(target.shape)} differ in shape`);
  }
  const d = sub(pred, target);
  const sq = mul(d, d);
  return reduction === "none" ? sq : reduction === "sum" ? sum(sq) : mean(sq);
}

/** Binary cross-entropy from logits, stable: ℓ = max(x,0) − x·t + ln(1 + e^{−|x|}). */
export function binaryCrossEntropyWithLogits(logits: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  sameDType("binaryCrossEntropyWithLogits", logits, target);
  const reduction = checkReduction("binaryCrossEntropyWithLogits", options.reduction ?? "mean");
  const l = add(sub(relu(logits), mul(logits, target)), log1p(exp(neg(abs(logits)))));
  return reduction === "none" ? l : reduction === "sum" ? sum(l) : mean(l);
}
