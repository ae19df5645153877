// The fundl kernel module: everything here works on float32 data in (shared) linear memory that the
// host manages; nothing allocates, so many threads can run these on one memory at once.
export { gemm, gemmBatch, gemmScratchBytes, gemmPackB, gemmPacked, gemmPackedBFloats, gemmPackedScratchBytes } from "./gemm";
export { convForward, convBackwardInput, convBackwardWeight, convScratchBytes } from "./conv";
export { maxPool2x2 } from "./maxpool";
export { biasGrad, reluForward, reluBackward } from "./elementwise";
export { lstmGatesForward, lstmGatesBackward, gruGatesForward, gruGatesBackward, ugrnnGatesForward, ugrnnGatesBackward, addColumnSums } from "./recurrent";
export { winogradConv, winogradFilter, winogradScratchBytes } from "./winograd";
export { unaryForward, unaryBackward, binaryForward, binaryBackward } from "./pointwise";
export { sumLast, expandLast, extremeLast, logSumExpLast, logSumExpLastBackward, softmaxLast, softmaxLastBackward } from "./rows";
export { convForwardRelu, reluMaskBiasGrad } from "./conv";
export { maxPool2x2Backward } from "./maxpool";
export { firstNonFinite } from "./finite";
