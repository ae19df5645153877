/** Where the build puts the digits asset (fl's "FLMN" bytes, gzip-compressed), relative to the pages. */
export const MNIST_ASSET = "data/mnist.flmn.gz";
