/** fl.models: ready-made networks (the ones the `fundl train` tasks train). */
export { mnistCnn, Standardize, MNIST_MEAN, MNIST_STD, MNIST_WIDTHS } from "./mnist.js";
export type { MnistCnnOptions, MnistWidths } from "./mnist.js";
export { fashionCnn, FASHION_MNIST_MEAN, FASHION_MNIST_STD } from "./fashion.js";
