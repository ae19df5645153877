/**
 * Fast max pooling: the common 2×2, stride-2, unpadded window as straight-line code over the four
 * taps (no per-tap bounds checks); every other geometry goes to the definition. Same answers as
 * the definition, ties and NaN included.
 */
import type { TypedArray } from "../../dtype.js";
import type { Pool2dArgs } from "../kernels.js";
import { maxPool2dBackwardReference, maxPool2dForwardReference } from "../reference.js";

function isPlain2x2(p: Pool2dArgs): boolean {
  return p.kh === 2 && p.kw === 2 && p.strideH === 2 && p.strideW === 2 && p.padH === 0 && p.padW === 0;
}

function pool2x2(x: TypedArray, y: TypedArray, argmax: Int32Array, p: Pool2dArgs): void {
  const { h, w, ho, wo } = p;
  const planes = p.batch * p.channels;
  for (let bc = 0; bc < planes; bc++) {
    for (let i = 0; i < ho; i++) {
      const top = (bc * h + 2 * i) * w;
      const o0 = (bc * ho + i) * wo;
      for (let j = 0; j < wo; j++) {
        // y[b,c,i,j] = max(x[2i,2j], x[2i,2j+1], x[2i+1,2j], x[2i+1,2j+1])   (first maximum; a NaN wins)
        let at = top + 2 * j;
        let best = x[at]!;
        if (best === best) {
          const k1 = at + 1, k2 = at + w, k3 = at + w + 1;
          const v1 = x[k1]!, v2 = x[k2]!, v3 = x[k3]!;
          if (v1 > best || v1 !== v1) { best = v1; at = k1; }
          if (best === best && (v2 > best || v2 !== v2)) { best = v2; at = k2; }
          if (best === best && (v3 > best || v3 !== v3)) { best = v3; at = k3; }
        }
        y[o0 + j] = best;
        argmax[o0 + j] = at;
      }
    }
  }
}

export function fastMaxPool2dForward(x: TypedArray, y: TypedArray, argmax: Int32Array, p: Pool2dArgs): void {
  if (isPlain2x2(p)) pool2x2(x, y, argmax, p);
  else maxPool2dForwardReference(x, y, argmax, p);
}

export function fastMaxPool2dBackward(gy: TypedArray, argmax: Int32Array, gx: TypedArray): void {
  maxPool2dBackwardReference(gy, argmax, gx);
}
