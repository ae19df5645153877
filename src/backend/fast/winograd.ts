/**
 * Winograd F(2×2, 3×3) for 3×3, stride-1, zero-padded convolutions on the fast backend (float32):
 * filters transformed once per call into U [16, Cy, Cx] (asm/winograd.ts `winogradFilter`), then each
 * image's input tiles are transformed, multiplied by U in 16 GEMMs over channels and transformed back
 * (`winogradConv`), with threads taking ranges of images. The input gradient of such a conv is the
 * same kind of conv of y.grad with the 180°-rotated, channel-transposed filter and padding 2 − p.
 *
 * Used only where it measured faster than im2col + GEMM (see `winogradWins`); `FUNDL_WINOGRAD=0`
 * (or `setWinograd("off")`) turns it off, `FUNDL_WINOGRAD=1` (or `setWinograd("on")`) uses it for every
 * eligible call.
 */
import type { Conv2dArgs } from "../kernels.js";
import { countWork } from "../../profile.js";
import { chunkCount, splitRange, threadsFor, type FastContext } from "./context.js";
import { env } from "./platform.js";

/** When the fast backend takes the Winograd path: "auto" (where it measured faster), "on" (every eligible call) or "off". */
export type WinogradMode = "auto" | "on" | "off";

function modeFromEnv(): WinogradMode {
  const v = env("FUNDL_WINOGRAD");
  if (v === "0" || v === "off") return "off";
  if (v === "1" || v === "on") return "on";
  return "auto";
}

let mode: WinogradMode = modeFromEnv();

/** Choose when the fast backend's 3×3 convolutions use Winograd F(2×2, 3×3) (default: `FUNDL_WINOGRAD`, else "auto"). */
export function setWinograd(m: WinogradMode): void {
  mode = m;
}

/** The current Winograd mode. */
export function winogradMode(): WinogradMode {
  return mode;
}

/** A 3×3, stride-1, zero-padded conv with padding ≤ 2 and the symmetric output size h + 2p − 2. */
export function winogradEligible(p: Conv2dArgs): boolean {
  return (
    p.kh === 3 && p.kw === 3 && p.strideH === 1 && p.strideW === 1 && p.padMode === "zeros" &&
    p.padH <= 2 && p.padW <= 2 && p.ho === p.h + 2 * p.padH - 2 && p.wo === p.w + 2 * p.padW - 2 && p.ho > 0 && p.wo > 0
  );
}

/**
 * Where Winograd measured faster than im2col + GEMM: the MNIST CNN's layers at batch 64 on 2 threads
 * (interleaved calls, 25 each, medians, a machine shared with other work): conv2 (32 → 64 channels,
 * 14×14) forward 0.64–0.73× and input gradient 0.79–0.90× the im2col time; conv1 (1 → 32, 28×28)
 * 1.9–3.0× slower in forward and 2.7–3.4× in input gradient, because one of the 16 GEMMs' dimensions
 * is a single channel there (k = 1 forward, m = 1 backward), which the 6×8 GEMM cannot fill. So both
 * channel counts must be at least `MIN_CHANNELS`.
 */
function winogradWins(p: Conv2dArgs, _which: "forward" | "backwardInput"): boolean {
  return Math.min(p.cin, p.cout) >= MIN_CHANNELS;
}
const MIN_CHANNELS = 8;

/** Whether a call with this geometry takes the Winograd path now. */
export function useWinograd(p: Conv2dArgs, which: "forward" | "backwardInput"): boolean {
  if (mode === "off" || !winogradEligible(p)) return false;
  return mode === "on" || winogradWins(p, which);
}

/**
 * Multiplies the Winograd path does for a forward-shaped conv (cin → cout, ho × wo outputs):
 * 16 per tile, input channel and output channel in the GEMMs (tiles = ⌈ho/2⌉·⌈wo/2⌉ per image),
 * plus 14 per filter in the filter transform (the ½ factors of G g Gᵀ); the input and output
 * transforms only add.
 */
export function winogradMultiplies(batch: number, cin: number, cout: number, ho: number, wo: number): number {
  const tiles = Math.ceil(ho / 2) * Math.ceil(wo / 2);
  return batch * 16 * tiles * cin * cout + 14 * cin * cout;
}

function putGeometry(ctx: FastContext, p: Conv2dArgs): number {
  const at = ctx.arena.alloc(14 * 4);
  ctx.arena.i32.set([p.batch, p.cin, p.h, p.w, p.cout, 3, 3, p.ho, p.wo, 1, 1, p.padH, p.padW, 0], at >> 2);
  return at;
}

/** `winogradConv`'s flag for the ReLU epilogue (asm/winograd.ts RELU): y = max(value, 0). */
export const WINOGRAD_RELU = 2;
const WINOGRAD_ACCUMULATE = 1;

/**
 * Run the Winograd conv described by `g` (forward-shaped) on arena regions px → py: filters at pw
 * transformed (flipped for the input gradient), then tasks over image ranges. flags: 1 adds into y,
 * 2 applies the ReLU epilogue. The caller has reset the arena and placed the operands; it calls
 * `arena.finish()`.
 */
export function winogradRun(ctx: FastContext, g: Conv2dArgs, px: number, pw: number, py: number, pb: number, flip: boolean, flags: number): void {
  const { arena, pool, rt } = ctx;
  const ex = rt.exports;
  const geo = putGeometry(ctx, g);
  const pu = arena.alloc(16 * g.cout * g.cin * 4);
  ex.winogradFilter(pw, pu, g.cout, g.cin, flip ? 1 : 0);
  const nt = threadsFor(ctx, 2 * winogradMultiplies(g.batch, g.cin, g.cout, g.ho, g.wo));
  const stride = Math.ceil(ex.winogradScratchBytes(geo) / 64) * 64;
  const scratch = arena.alloc(stride * pool.size);
  const ranges = splitRange(g.batch, chunkCount(g.batch, nt, 4));
  pool.run(ranges.map(([b0, b1]) => ({ name: "winogradConv", args: [px, pu, py, pb, geo, b0, b1, flags, scratch] })), nt, stride);
  countWork(0, 0, { winogradMultiplies: winogradMultiplies(g.batch, g.cin, g.cout, g.ho, g.wo) });
}

/**
 * x.grad[b,c',i,j] (+)= Σ_{c,di,dj} y.grad[b,c,i+di−(2−p), j+dj−(2−p)] · W[c,c',2−di,2−dj]: the
 * input gradient as a forward Winograd conv of y.grad (cout → cin channels, ho × wo → h × w,
 * padding 2 − p), on arena regions pgy, pw → pgx placed by the caller (who calls `arena.finish()`).
 */
export function winogradBackwardInputRun(ctx: FastContext, p: Conv2dArgs, pgy: number, pw: number, pgx: number, accumulate: boolean): void {
  const g: Conv2dArgs = {
    batch: p.batch, cin: p.cout, h: p.ho, w: p.wo, cout: p.cin, kh: 3, kw: 3, ho: p.h, wo: p.w,
    strideH: 1, strideW: 1, padH: 2 - p.padH, padW: 2 - p.padW, padMode: "zeros",
  };
  winogradRun(ctx, g, pgy, pw, pgx, 0, true, accumulate ? WINOGRAD_ACCUMULATE : 0);
}
