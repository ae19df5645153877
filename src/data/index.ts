/** fl.data: datasets, the seeded DataLoader, and MNIST. */
export { TensorDataset } from "./dataset.js";
export type { Dataset, Batch } from "./dataset.js";
export { DataLoader } from "./loader.js";
export type { DataLoaderOptions, DataLoaderState } from "./loader.js";
export { loadMnist, mnistSplit } from "./mnist.js";
export { randomShift } from "./augment.js";
export type { MnistSplitOptions } from "./mnist.js";
export { encodeMnistBytes, mnistFromBytes, loadMnistFromUrl } from "./mnist-bytes.js";
export type { EncodeMnistOptions, MnistPixelScale } from "./mnist-bytes.js";
export { addingProblem, ADDING_BASELINE_MSE } from "./adding.js";
export type { AddingBatch, AddingOptions } from "./adding.js";
export { readIdx, parseIdx, decodeIdx, encodeIdx, isGzip } from "./idx.js";
export type { IdxArray, IdxType, IdxArrayTypes } from "./idx.js";
export { loadIdxSplit, findIdxSplitFiles, loadFashionMnist, FASHION_MNIST_DEBIAN_DIR, FASHION_MNIST_CLASSES, IDX_SPLIT_FILES } from "./idx-split.js";
export type { IdxSplitOptions } from "./idx-split.js";
export { randomHorizontalFlip } from "./flip.js";
