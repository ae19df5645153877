/** Data augmentation for image batches [B, C, H, W]. */
import { Tensor } from "../tensor.js";
import { fmt, ShapeError } from "../shape.js";
import type { Generator } from "../random.js";

/**
 * Shift each image of a batch by its own random whole-pixel offset (dy, dx), each uniform in
 * [−maxShift, maxShift], filling the uncovered border with zeros:
 * y[b,c,i,j] = x[b,c,i−dy_b,j−dx_b] (0 where that lies outside the image). Not differentiable
 * (it is meant for inputs); the same generator state gives the same shifts.
 */
export function randomShift(x: Tensor, maxShift: number, generator: Generator): Tensor {
  if (x.ndim !== 4) throw new ShapeError(`randomShift: expected images [B, C, H, W], got shape ${fmt(x.shape)}`);
  if (!Number.isInteger(maxShift) || maxShift < 0) throw new RangeError(`randomShift: maxShift must be an integer ≥ 0, got ${maxShift}`);
  const [B, C, H, W] = x.shape as [number, number, number, number];
  const src = x.data;
  const out = x.dtype === "float64" ? new Float64Array(src.length) : new Float32Array(src.length);
  for (let b = 0; b < B; b++) {
    const dy = generator.int(2 * maxShift + 1) - maxShift;
    const dx = generator.int(2 * maxShift + 1) - maxShift;
    const i0 = Math.max(0, dy);
    const i1 = Math.min(H, H + dy);
    const j0 = Math.max(0, dx);
    const j1 = Math.min(W, W + dx);
    for (let c = 0; c < C; c++) {
      const base = (b * C + c) * H * W;
      for (let i = i0; i < i1; i++) {
        // y[b,c,i,j] = x[b,c,i−dy,j−dx] for j in [j0, j1)
        const from = base + (i - dy) * W - dx;
        out.set(src.subarray(from + j0, from + j1), base + i * W + j0);
      }
    }
  }
  return new Tensor(out, x.shape);
}
