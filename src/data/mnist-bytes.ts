/**
 * MNIST as compact bytes, for a page (where the `mnist` package's files cannot be read): one buffer
 * holding the labels and the 8-bit pixels, 7.85 MB for the package's 10,000 digits instead of 41 MB
 * of JSON. `encodeMnistBytes` writes it (at build time, from `loadMnist()`), `mnistFromBytes` reads
 * it, `loadMnistFromUrl` fetches and reads it. Decoded digits equal `loadMnist()`'s bit for bit.
 *
 * Format "FLMN" version 1 (all integers little-endian):
 *
 *   offset  size        field
 *   0       4           magic: the ASCII bytes "FLMN"
 *   4       1           version: 1
 *   5       1           scale: how a pixel byte p becomes a value in [0, 1]
 *                         0: p / 255
 *                         1: round(1000 · p / 255) / 1000 (the `mnist` package's 3-decimal values)
 *   6       1           rows (28)
 *   7       1           cols (28)
 *   8       4           count N (uint32)
 *   12      N           labels, one byte each (0–9)
 *   12 + N  N·rows·cols pixels, one byte each, image after image, row-major
 */
import { Tensor } from "../tensor.js";
import { TensorDataset } from "./dataset.js";

const MAGIC = [0x46, 0x4c, 0x4d, 0x4e]; // "FLMN"
const VERSION = 1;
const HEADER = 12;

/** How pixel bytes map to values: "byte" is p/255; "mnist-package" rounds that to 3 decimals as the `mnist` package does. */
export type MnistPixelScale = "byte" | "mnist-package";

const SCALES: MnistPixelScale[] = ["byte", "mnist-package"];

function pixelValues(scale: MnistPixelScale): Float32Array {
  const table = new Float32Array(256);
  for (let p = 0; p < 256; p++) table[p] = scale === "byte" ? p / 255 : Math.round((1000 * p) / 255) / 1000;
  return table;
}

/** Options of `encodeMnistBytes`. */
export interface EncodeMnistOptions {
  /** Pixel scale (default "mnist-package", which `loadMnist()`'s values follow). */
  scale?: MnistPixelScale;
}

/**
 * Encode digits (inputs [N, 1, rows, cols] or [N, rows, cols] with values in [0, 1], labels 0–9) in
 * the "FLMN" format above. Every pixel must be exactly one of the scale's 256 values, so decoding
 * gives back the same float32 numbers; an error names the first pixel that is not.
 */
export function encodeMnistBytes(data: TensorDataset, options: EncodeMnistOptions = {}): Uint8Array {
  const scale = options.scale ?? "mnist-package";
  if (!SCALES.includes(scale)) throw new RangeError(`encodeMnistBytes: scale must be "byte" or "mnist-package", got ${JSON.stringify(scale)}`);
  const shape = data.inputs.shape;
  const [rows, cols] = shape.slice(-2) as [number, number];
  if (!(shape.length === 4 && shape[1] === 1) && shape.length !== 3) {
    throw new RangeError(`encodeMnistBytes: inputs must be [N, 1, rows, cols] or [N, rows, cols], got [${shape.join(", ")}]`);
  }
  if (rows > 255 || cols > 255) throw new RangeError(`encodeMnistBytes: images of ${rows}×${cols} exceed the format's 255×255`);
  const n = data.length;
  const size = rows * cols;
  const out = new Uint8Array(HEADER + n + n * size);
  out.set(MAGIC, 0);
  out[4] = VERSION;
  out[5] = SCALES.indexOf(scale);
  out[6] = rows;
  out[7] = cols;
  new DataView(out.buffer).setUint32(8, n, true);
  for (let i = 0; i < n; i++) {
    const label = data.labels[i]!;
    if (!(Number.isInteger(label) && label >= 0 && label <= 9)) throw new RangeError(`encodeMnistBytes: label ${i} is ${label}, not a digit 0–9`);
    out[HEADER + i] = label;
  }
  const table = pixelValues(scale);
  const x = data.inputs.data;
  const base = HEADER + n;
  for (let i = 0; i < n * size; i++) {
    const v = x[i]!;
    const p = Math.round(v * 255);
    if (!(p >= 0 && p <= 255 && table[p] === Math.fround(v))) {
      throw new RangeError(`encodeMnistBytes: pixel ${i % size} of image ${Math.floor(i / size)} is ${v}, not one of the ${scale} scale's 256 values`);
    }
    out[base + i] = p;
  }
  return out;
}

/** Read digits in the "FLMN" format: inputs float32 [N, 1, rows, cols] in [0, 1], labels Int32Array. Checks the header and the length. */
export function mnistFromBytes(bytes: Uint8Array | ArrayBuffer): TensorDataset {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const what = "mnistFromBytes";
  if (b.length < HEADER || MAGIC.some((m, i) => b[i] !== m)) {
    throw new Error(`${what}: not an FLMN digits file (it must start with the bytes "FLMN"; write one with fl.data.encodeMnistBytes)`);
  }
  if (b[4] !== VERSION) throw new Error(`${what}: FLMN version ${b[4]} is not supported (this fundl reads version ${VERSION})`);
  const scale = SCALES[b[5]!];
  if (!scale) throw new Error(`${what}: unknown pixel scale code ${b[5]} (0: byte, 1: mnist-package)`);
  const rows = b[6]!;
  const cols = b[7]!;
  const n = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(8, true);
  const size = rows * cols;
  const want = HEADER + n + n * size;
  if (b.length !== want) throw new Error(`${what}: ${n} images of ${rows}×${cols} need ${want} bytes, got ${b.length} (truncated or corrupt)`);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = b[HEADER + i]!;
    if (label > 9) throw new Error(`${what}: label ${i} is ${label}, not a digit 0–9`);
    y[i] = label;
  }
  const table = pixelValues(scale);
  const x = new Float32Array(n * size);
  const base = HEADER + n;
  for (let i = 0; i < x.length; i++) x[i] = table[b[base + i]!]!;
  return new TensorDataset(new Tensor(x, [n, 1, rows, cols]), y);
}

/** Fetch an "FLMN" digits file (built from the `mnist` package with `encodeMnistBytes`) and read it; works in a page and in Node 20. */
export async function loadMnistFromUrl(url: string | URL, init?: RequestInit): Promise<TensorDataset> {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`loadMnistFromUrl: GET ${String(url)} answered ${response.status} ${response.statusText}`);
  return mnistFromBytes(new Uint8Array(await response.arrayBuffer()));
}
