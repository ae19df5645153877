/**
 * The "fast" backend: WebAssembly SIMD kernels (relaxed-SIMD FMA where the engine has it) on a
 * pool of worker threads over shared memory. float64 data goes to the blocked TypeScript kernels of
 * the "js" backend (src/backend/im2col.ts), tiny problems to the reference loops.
 */
import type { Kernels } from "../kernels.js";
import { fastConv2dBackwardInput, fastConv2dBackwardWeight, fastConv2dForward } from "./conv.js";
import { fastFreePackedB, fastMatmul, fastMatmulPacked, fastPackMatmulB } from "./matmul.js";
import { fastMaxPool2dBackward, fastMaxPool2dForward } from "./maxpool.js";
import { fastAddColumnSums, fastGatesBackward, fastGatesForward } from "./recurrent.js";
import { fastReluBackward, fastReluForward } from "./relu.js";
import { fastRelease, fastRetain } from "./resident.js";
import { fastElementwiseKernels } from "./elementwise.js";

export { fastInfo, setFastThreads, startFast, START_TIMEOUT_MS } from "./context.js";
export type { FastInfo } from "./context.js";
export { coreCount } from "./platform.js";

export const fastKernels: Partial<Kernels> = {
  matmul: fastMatmul,
  conv2dForward: fastConv2dForward,
  conv2dBackwardInput: fastConv2dBackwardInput,
  conv2dBackwardWeight: fastConv2dBackwardWeight,
  maxPool2dForward: fastMaxPool2dForward,
  maxPool2dBackward: fastMaxPool2dBackward,
  reluForward: fastReluForward,
  reluBackward: fastReluBackward,
  gatesForward: fastGatesForward,
  gatesBackward: fastGatesBackward,
  addColumnSums: fastAddColumnSums,
  retainOperand: fastRetain,
  releaseOperand: fastRelease,
  ...fastElementwiseKernels,
};

/** The conv epilogue kernels (see ConvEpilogueKernels), found by the conv2d op beside the Kernels. */
export const fastConvEpilogue: ConvEpilogueKernels = { conv2dReluForward: fastConv2dReluForward, reluMaskBiasGrad: fastReluMaskBiasGrad };
Object.assign(fastKernels, fastConvEpilogue);
import { fastConv2dReluForward, fastReluMaskBiasGrad } from "./conv.js";
import type { ConvEpilogueKernels } from "../kernels.js";

/** The packed-operand GEMM (see PackedMatmulKernels), found by nn.RNN's sequence path beside the Kernels. */
export const fastPackedMatmul: PackedMatmulKernels = { plainMatmul: fastMatmul, packMatmulB: fastPackMatmulB, matmulPacked: fastMatmulPacked, freePackedB: fastFreePackedB };
Object.assign(fastKernels, fastPackedMatmul);
import type { PackedMatmulKernels } from "../kernels.js";
