/** Random horizontal flips of image batches [B, C, H, W] (the usual augmentation for clothing and natural images). */
import { Tensor } from "../tensor.js";
import { fmt, ShapeError } from "../shape.js";
import type { Generator } from "../random.js";

/**
 * Mirror each image of a batch left–right with probability `p` (default ½), drawn per image:
 * y[b,c,i,j] = x[b,c,i,W−1−j] when image b is flipped, else x[b,c,i,j]. Not differentiable (it is
 * meant for inputs); the same generator state gives the same flips.
 */
export function randomHorizontalFlip(x: Tensor, generator: Generator, p = 0.5): Tensor {
  if (x.ndim !== 4) throw new ShapeError(`randomHorizontalFlip: expected images [B, C, H, W], got shape ${fmt(x.shape)}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`randomHorizontalFlip: p must be in [0, 1], got ${p}`);
  const [B, C, H, W] = x.shape as [number, number, number, number];
  const src = x.data;
  const out = x.dtype === "float64" ? new Float64Array(src) : new Float32Array(src);
  const plane = C * H * W;
  for (let b = 0; b < B; b++) {
    if (!(generator.random() < p)) continue;
    for (let row = b * plane; row < (b + 1) * plane; row += W) {
      // y[b,c,i,j] = x[b,c,i,W−1−j]
      for (let j = 0; j < W; j++) out[row + j] = src[row + W - 1 - j]!;
    }
  }
  return new Tensor(out, x.shape);
}
