/**
 * The CNN that `fundl train fashion-mnist` trains: the MNIST CNN's layers with Fashion-MNIST's
 * pixel statistics in its Standardize layer, so `fl.models.fashionCnn()` rebuilds it for a checkpoint.
 */
import type { Sequential } from "../nn/basic.js";
import { mnistCnn, type MnistCnnOptions } from "./mnist.js";

/** Fashion-MNIST's pixel mean and standard deviation (of the 60,000 training images, pixels in [0, 1]). */
export const FASHION_MNIST_MEAN = 0.286;
/** See FASHION_MNIST_MEAN. */
export const FASHION_MNIST_STD = 0.353;

/** `mnistCnn` standardizing with FASHION_MNIST_MEAN and FASHION_MNIST_STD (same layers and state-dict names). */
export function fashionCnn(options: Omit<MnistCnnOptions, "mean" | "std"> = {}): Sequential {
  return mnistCnn({ ...options, mean: FASHION_MNIST_MEAN, std: FASHION_MNIST_STD });
}
