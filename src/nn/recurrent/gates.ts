/**
 * Cutting a gate pre-activation [B, k·H] into its k blocks [B, H] (GRU: r, z, n; LSTM: i, f, g, o):
 *
 *   forward:   out_q[b,c] = g[b, q·H + c]
 *   backward:  g.grad[b, q·H + c] += out_q.grad[b,c]
 *
 * One tight loop per block; the general `slice` along the last dim copies element by element
 * through typed-array views, which dominated a GRU step before this op existed.
 */
import { gradBuffer, runOp } from "../../autograd.js";
import { allocate } from "../../dtype.js";
import { fmt, ShapeError } from "../../shape.js";
import { Tensor } from "../../tensor.js";

/** The k column blocks of a [B, k·H] tensor, each [B, H]. */
export function gateBlocks(g: Tensor, k: number): Tensor[] {
  if (g.ndim !== 2 || g.shape[1]! % k !== 0) {
    throw new ShapeError(`gateBlocks: expected [batch, ${k}·hidden] gate pre-activations, got ${fmt(g.shape)}`);
  }
  const [B, W] = g.shape as [number, number];
  const H = W / k;
  const blocks: Tensor[] = [];
  for (let q = 0; q < k; q++) {
    blocks.push(
      runOp("gateBlock", [g], () => {
        const src = g.data;
        const out = allocate(g.dtype, B * H);
        // out_q[b,c] = g[b, q·H + c]
        for (let b = 0; b < B; b++) {
          const o = b * H;
          const s = b * W + q * H;
          for (let c = 0; c < H; c++) out[o + c] = src[s + c]!;
        }
        return {
          out: new Tensor(out, [B, H]),
          backward: (y) => {
            const gy = y.grad!.data;
            const gg = gradBuffer(g);
            // g.grad[b, q·H + c] += out_q.grad[b,c]
            for (let b = 0; b < B; b++) {
              const o = b * H;
              const s = b * W + q * H;
              for (let c = 0; c < H; c++) gg[s + c] = gg[s + c]! + gy[o + c]!;
            }
          },
        };
      }),
    );
  }
  return blocks;
}
