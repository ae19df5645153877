/**
 * An image-classification split stored as the MNIST family's four IDX files in one folder:
 * train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
 * t10k-labels-idx1-ubyte, each plain or with `.gz` (and the `train-images.idx3-ubyte` spelling some
 * mirrors use). MNIST (60,000 / 10,000) and Fashion-MNIST (60,000 / 10,000) both ship this way.
 * Node only.
 */
import { Tensor } from "../tensor.js";
import { TensorDataset } from "./dataset.js";
import { readIdx, type IdxArray } from "./idx.js";
import { fsOrThrow } from "../io/node-fs.js";

/** Where Debian's `dataset-fashion-mnist` package puts Fashion-MNIST's four files. */
export const FASHION_MNIST_DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";

/** Fashion-MNIST's class names, by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]);

/** The four files of a split, by role: the standard base names (without `.gz`). */
export const IDX_SPLIT_FILES = Object.freeze({
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
});

/** Options of `loadIdxSplit`. */
export interface IdxSplitOptions {
  /** The dataset's name, used in error messages (default "IDX split"). */
  name?: string;
  /** Extra text for the error when files are missing: how to get them. */
  howToGet?: string;
}

/**
 * The paths of the four files in `dir`, trying for each the standard name, the name with `.gz`,
 * and the dotted spelling (`train-images.idx3-ubyte`), or null for a file not found.
 */
export async function findIdxSplitFiles(dir: string): Promise<Record<keyof typeof IDX_SPLIT_FILES, string | null>> {
  const { fs, path } = fsOrThrow("findIdxSplitFiles", "in a browser, fetch the four files and decode them with fl.data.decodeIdx(bytes)");
  const find = (base: string): string | null => {
    const dotted = base.replace(/-(idx\d)/, ".$1");
    for (const name of [base, `${base}.gz`, dotted, `${dotted}.gz`]) {
      const p = path.join(dir, name);
      if (fs.existsSync(p)) return p;
    }
    return null;
  };
  return {
    trainImages: find(IDX_SPLIT_FILES.trainImages),
    trainLabels: find(IDX_SPLIT_FILES.trainLabels),
    testImages: find(IDX_SPLIT_FILES.testImages),
    testLabels: find(IDX_SPLIT_FILES.testLabels),
  };
}

/**
 * Load the train and test sets of a folder of four IDX files: images (ubyte [N, H, W]) become
 * float32 [N, 1, H, W] scaled to [0, 1]; labels (ubyte [N]) an Int32Array. Errors name the
 * missing files (with `howToGet`), and any file whose shape or type is not that of an image set or
 * a label set, or whose image and label counts disagree.
 */
export async function loadIdxSplit(dir: string, options: IdxSplitOptions = {}): Promise<{ train: TensorDataset; test: TensorDataset }> {
  const name = options.name ?? "IDX split";
  const files = await findIdxSplitFiles(dir);
  const missing = (Object.keys(IDX_SPLIT_FILES) as (keyof typeof IDX_SPLIT_FILES)[]).filter((k) => files[k] === null).map((k) => IDX_SPLIT_FILES[k]);
  if (missing.length > 0) {
    throw new Error(`${name}: ${dir} lacks ${missing.map((m) => `${m}[.gz]`).join(", ")}${options.howToGet ? `. ${options.howToGet}` : ""}`);
  }
  const images = async (p: string): Promise<{ x: Tensor; n: number }> => toImages(await readIdx(p), p, name);
  const labels = async (p: string): Promise<Int32Array> => toLabels(await readIdx(p), p, name);
  const trainX = await images(files.trainImages!);
  const trainY = await labels(files.trainLabels!);
  const testX = await images(files.testImages!);
  const testY = await labels(files.testLabels!);
  const pair = (x: { x: Tensor; n: number }, y: Int32Array, xp: string, yp: string): TensorDataset => {
    if (x.n !== y.length) throw new Error(`${name}: ${xp} holds ${x.n} images but ${yp} holds ${y.length} labels`);
    return new TensorDataset(x.x, y);
  };
  return { train: pair(trainX, trainY, files.trainImages!, files.trainLabels!), test: pair(testX, testY, files.testImages!, files.testLabels!) };
}

/** ubyte [N, H, W] → float32 [N, 1, H, W] with x = byte / 255. */
function toImages(idx: IdxArray, file: string, name: string): { x: Tensor; n: number } {
  if (idx.type !== "ubyte" || idx.shape.length !== 3) {
    throw new Error(`${name}: ${file} should hold images, ubyte of shape [N, H, W], but holds ${idx.type} of shape [${idx.shape.join(", ")}]`);
  }
  const [n, h, w] = idx.shape as [number, number, number];
  const x = new Float32Array(idx.data.length);
  // x[i] = byte[i] / 255
  for (let i = 0; i < x.length; i++) x[i] = idx.data[i]! / 255;
  return { x: new Tensor(x, [n, 1, h, w]), n };
}

/** ubyte [N] → Int32Array. */
function toLabels(idx: IdxArray, file: string, name: string): Int32Array {
  if (idx.type !== "ubyte" || idx.shape.length !== 1) {
    throw new Error(`${name}: ${file} should hold labels, ubyte of shape [N], but holds ${idx.type} of shape [${idx.shape.join(", ")}]`);
  }
  return Int32Array.from(idx.data as Uint8Array);
}

/**
 * Fashion-MNIST's standard split (60,000 train / 10,000 test, 28×28 grey images of 10 kinds of
 * clothing, see FASHION_MNIST_CLASSES) from `dir` (default: where Debian's
 * `dataset-fashion-mnist` package installs it). The error for missing files says how to get them.
 */
export async function loadFashionMnist(dir: string = FASHION_MNIST_DEBIAN_DIR): Promise<{ train: TensorDataset; test: TensorDataset }> {
  return loadIdxSplit(dir, {
    name: "Fashion-MNIST",
    howToGet:
      `Install Debian's package (\`sudo apt-get install dataset-fashion-mnist\`, which puts them in ${FASHION_MNIST_DEBIAN_DIR}), ` +
      `or download the four files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) ` +
      `from https://github.com/zalandoresearch/fashion-mnist (data/fashion) into a folder and pass it with --data DIR`,
  });
}
