/**
 * The web app's MNIST asset: the `mnist` package's 10,000 digits in class order (as
 * fl.data.loadMnist reads them), packed so that a page downloads ~2 MB instead of 41 MB of JSON
 * and decodes the very same float32 pixels. The package's pixels take only 256 distinct values
 * (value/255 rounded to 3 decimals), so each pixel is one byte indexing a palette.
 *
 * Layout (little-endian), gzip-compressed as a whole:
 *   bytes 0..7   "FLMNIST1"
 *   u32 count, u32 rows, u32 cols, u32 paletteSize        (offset 8)
 *   f64 palette[paletteSize]                              (offset 24)
 *   u8  labels[count]
 *   u8  pixels[count·rows·cols]  (palette indices, row-major per image)
 */
export const MNIST_ASSET_MAGIC = "FLMNIST1";

/** Decoded digits: pixels[n·rows·cols] in [0, 1] and labels[n]. */
export interface MnistDigits {
  count: number;
  rows: number;
  cols: number;
  pixels: Float32Array;
  labels: Int32Array;
}

/** Pack digits (pixels taking at most 256 distinct values) into the uncompressed layout. */
export function encodeMnistAsset(d: MnistDigits): Uint8Array {
  const size = d.rows * d.cols;
  if (d.pixels.length !== d.count * size || d.labels.length !== d.count) throw new RangeError(`encodeMnistAsset: ${d.pixels.length} pixels and ${d.labels.length} labels do not make ${d.count} images of ${d.rows}×${d.cols}`);
  const palette = [...new Set(d.pixels)].sort((a, b) => a - b);
  if (palette.length > 256) throw new RangeError(`encodeMnistAsset: the pixels take ${palette.length} distinct values (at most 256 fit one byte)`);
  const index = new Map(palette.map((v, i) => [v, i]));
  const head = 24 + 8 * palette.length;
  const out = new Uint8Array(head + d.count + d.count * size);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = MNIST_ASSET_MAGIC.charCodeAt(i);
  [d.count, d.rows, d.cols, palette.length].forEach((v, i) => view.setUint32(8 + 4 * i, v, true));
  palette.forEach((v, i) => view.setFloat64(24 + 8 * i, v, true));
  for (let n = 0; n < d.count; n++) {
    const label = d.labels[n]!;
    if (!(label >= 0 && label <= 255)) throw new RangeError(`encodeMnistAsset: label ${label} of image ${n} does not fit one byte`);
    out[head + n] = label;
  }
  const base = head + d.count;
  for (let i = 0; i < d.pixels.length; i++) out[base + i] = index.get(d.pixels[i]!)!;
  return out;
}

/** Unpack the uncompressed layout; throws naming what is wrong. */
export function decodeMnistAsset(bytes: Uint8Array): MnistDigits {
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (magic !== MNIST_ASSET_MAGIC) throw new Error(`decodeMnistAsset: not an MNIST asset (starts with ${JSON.stringify(magic)}, expected "${MNIST_ASSET_MAGIC}")`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [count, rows, cols, paletteSize] = [0, 1, 2, 3].map((i) => view.getUint32(8 + 4 * i, true)) as [number, number, number, number];
  const head = 24 + 8 * paletteSize;
  const size = rows * cols;
  if (bytes.length !== head + count + count * size) throw new Error(`decodeMnistAsset: ${bytes.length} bytes, but ${count} images of ${rows}×${cols} with a ${paletteSize}-entry palette need ${head + count + count * size}`);
  const palette = Float32Array.from({ length: paletteSize }, (_, i) => view.getFloat64(24 + 8 * i, true));
  const labels = Int32Array.from(bytes.subarray(head, head + count));
  const idx = bytes.subarray(head + count);
  const pixels = new Float32Array(count * size);
  // pixels[i] = palette[idx[i]]
  for (let i = 0; i < pixels.length; i++) pixels[i] = palette[idx[i]!]!;
  return { count, rows, cols, pixels, labels };
}

/** Fetch and decode the gzip-compressed asset at `url` (browsers and Node ≥ 18). */
export async function fetchMnistAsset(url: string | URL): Promise<MnistDigits> {
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`fetchMnistAsset: ${String(url)} answered ${res.status} ${res.statusText}`);
  const plain = res.body.pipeThrough(new DecompressionStream("gzip"));
  return decodeMnistAsset(new Uint8Array(await new Response(plain).arrayBuffer()));
}
