/**
 * Matrix products through the backend's matmul kernel.
 *   matmul:  C[…,i,j] = Σ_k A[…,i,k] · B[…,k,j]
 *            A.grad[…,i,k] += Σ_j C.grad[…,i,j] · B[…,k,j]     (swap C and A)
 *            B.grad[…,k,j] += Σ_i C.grad[…,i,j] · A[…,i,k]     (swap C and B)
 *   linear:  y[n,o] = Σ_i x[n,i] · W[o,i] + b[o]
 */
import { gradBuffer, gradTarget, runOp } from "../autograd.js";
import { kernels } from "../backend/index.js";
import { broadcastShapes, checkElementCount, fmt, ShapeError, sizeOf } from "../shape.js";
import { Tensor } from "../tensor.js";
import { checkTensor, empty, outputArray, sameDType } from "./util.js";
import { expand, reshape } from "./view.js";

/** Batched matrix product with PyTorch's rules: 1-D operands are promoted, batch dims broadcast. */
export function matmul(aIn: Tensor, bIn: Tensor): Tensor {
  checkTensor("matmul", aIn, "left operand");
  checkTensor("matmul", bIn, "right operand");
  sameDType("matmul", aIn, bIn);
  if (aIn.ndim === 0 || bIn.ndim === 0) throw new ShapeError("matmul: operands must have at least one dimension (use mul for scalars)");
  const a = aIn.ndim === 1 ? reshape(aIn, [1, aIn.shape[0]!]) : aIn;
  const b = bIn.ndim === 1 ? reshape(bIn, [bIn.shape[0]!, 1]) : bIn;
  const m = a.shape[a.ndim - 2]!;
  const k = a.shape[a.ndim - 1]!;
  const k2 = b.shape[b.ndim - 2]!;
  const n = b.shape[b.ndim - 1]!;
  if (k !== k2) {
    throw new ShapeError(`matmul: shapes ${fmt(aIn.shape)} and ${fmt(bIn.shape)} do not chain: inner dimension k is ${k} vs ${k2}`);
  }
  const batchShape = broadcastShapes("matmul (batch dims)", a.shape.slice(0, -2), b.shape.slice(0, -2));
  checkElementCount("matmul", `the result of ${fmt(aIn.shape)} @ ${fmt(bIn.shape)}`, [...batchShape, m, n]);
  const batch = sizeOf(batchShape);
  const aFull = sizeOf(a.shape.slice(0, -2)) === batch ? a : expand(a, [...batchShape, m, k]);
  const bShared = sizeOf(b.shape.slice(0, -2)) === 1; // one B for the whole batch
  const bFull = bShared || sizeOf(b.shape.slice(0, -2)) === batch ? b : expand(b, [...batchShape, k, n]);
  let out = runOp("matmul", [aFull, bFull], () => {
    const c = outputArray(a.dtype, batch * m * n);
    // With one shared B the batch folds into the rows: (batch·m × k)·(k × n) in one product.
    if (bShared) kernels().matmul(aFull.data, bFull.data, c, { batch: 1, m: batch * m, n, k, transA: false, transB: false, strideA: 0, strideB: 0, accumulate: false });
    else kernels().matmul(aFull.data, bFull.data, c, { batch, m, n, k, transA: false, transB: false, strideA: m * k, strideB: k * n, accumulate: false });
    return {
      out: new Tensor(c, [...batchShape, m, n]),
      multiplies: batch * m * n * k,
      adds: batch * m * n * k,
      backward: (y) => {
        const g = y.grad!.data;
        if (aFull.requiresGrad) {
          // A.grad[b,i,k] += Σ_j C.grad[b,i,j] · B[b,k,j]
          const ga = gradBuffer(aFull);
          if (bShared) kernels().matmul(g, bFull.data, ga, { batch: 1, m: batch * m, n: k, k: n, transA: false, transB: true, strideA: 0, strideB: 0, accumulate: true });
          else kernels().matmul(g, bFull.data, ga, { batch, m, n: k, k: n, transA: false, transB: true, strideA: m * n, strideB: k * n, accumulate: true });
        }
        if (bFull.requiresGrad) {
          // B.grad[b,k,j] += Σ_i A[b,i,k] · C.grad[b,i,j]
          const gb = gradBuffer(bFull);
          if (bShared) kernels().matmul(aFull.data, g, gb, { batch: 1, m: k, n, k: batch * m, transA: true, transB: false, strideA: 0, strideB: 0, accumulate: true });
          else kernels().matmul(aFull.data, g, gb, { batch, m: k, n, k: m, transA: true, transB: false, strideA: m * k, strideB: m * n, accumulate: true });
        }
      },
    };
  });
  if (aIn.ndim === 1 || bIn.ndim === 1) {
    // promoted 1-D operands lose their added dim again
    out = reshape(out, [...batchShape, ...(aIn.ndim === 1 ? [] : [m]), ...(bIn.ndim === 1 ? [] : [n])]);
  }
  return out;
}

/**
 * Affine map with PyTorch's Linear layout (W is [out, in]), over any leading dims of x:
 *   y[n,o] = Σ_i x[n,i] · W[o,i] + b[o]
 *   x.grad[n,i] += Σ_o y.grad[n,o] · W[o,i];  W.grad[o,i] += Σ_n y.grad[n,o] · x[n,i];  b.grad[o] += Σ_n y.grad[n,o]
 */
export function linear(x: Tensor, w: Tensor, b?: Tensor | null): Tensor {
  checkTensor("linear", x);
  checkTensor("linear", w, "weight");
  if (w.ndim !== 2) throw new ShapeError(`linear: weight must be [out, in], got ${fmt(w.shape)}`);
  const [outF, inF] = w.shape as [number, number];
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== inF) {
    throw new ShapeError(`linear: input ${fmt(x.shape)} does not match weight ${fmt(w.shape)}: last dimension is ${x.shape[x.ndim - 1]} vs in_features ${inF}`);
  }
  if (b && (b.ndim !== 1 || b.shape[0] !== outF)) throw new ShapeError(`linear: bias ${fmt(b.shape)} does not match out_features ${outF}`);
  const inputs = b ? [x, w, b] : [x, w];
  sameDType("linear", ...inputs);
  // rows = Π of x's leading dims (not x.size / inF, which is 0/0 when inF = 0)
  const rows = sizeOf(x.shape.slice(0, -1));
  const outShape = [...x.shape.slice(0, -1), outF];
  return runOp("linear", inputs, () => {
    const y = outputArray(x.dtype, rows * outF);
    if (b) for (let r = 0; r < rows; r++) y.set(b.data, r * outF);
    kernels().matmul(x.data, w.data, y, { batch: 1, m: rows, n: outF, k: inF, transA: false, transB: true, strideA: 0, strideB: 0, accumulate: !!b });
    return {
      out: new Tensor(y, outShape),
      multiplies: rows * outF * inF,
      adds: rows * outF * inF,
      backward: (out) => {
        const g = out.grad!.data;
        if (x.requiresGrad) {
          const gx = gradTarget(x); // written, not added, when x has no gradient yet
          kernels().matmul(g, w.data, gx.data, { batch: 1, m: rows, n: inF, k: outF, transA: false, transB: false, strideA: 0, strideB: 0, accumulate: gx.accumulate });
        }
        if (w.requiresGrad) {
          const gw = gradTarget(w);
          kernels().matmul(g, x.data, gw.data, { batch: 1, m: outF, n: inF, k: rows, transA: true, transB: false, strideA: 0, strideB: 0, accumulate: gw.accumulate });
        }
        if (b && b.requiresGrad) {
          const gb = gradBuffer(b);
          for (let r = 0; r < rows; r++) for (let o = 0; o < outF; o++) gb[o] = gb[o]! + g[r * outF + o]!;
        }
      },
    };
  });
}

