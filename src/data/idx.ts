/**
 * IDX files, the format of MNIST, Fashion-MNIST and their family: a 4-byte magic number
 * (0x00 0x00 TYPE NDIM), NDIM big-endian uint32 dimension sizes, then the elements in row-major
 * order, big-endian, of the type that TYPE names:
 *
 *   0x08 ubyte (uint8) · 0x09 byte (int8) · 0x0B short (int16) · 0x0C int (int32) ·
 *   0x0D float (float32) · 0x0E double (float64)
 *
 * The files are often gzip'd (the `.gz` names); a gzip stream is recognised by its magic bytes
 * 1f 8b, not by its name. `parseIdx` (bytes, synchronous, no gzip) and `decodeIdx` (bytes, gzip
 * too, through the web-standard DecompressionStream) work in a browser; `readIdx` (a path) is Node.
 */
import { fsOrThrow } from "../io/node-fs.js";

/** The element types of IDX, by the name the format gives them. */
export type IdxType = "ubyte" | "byte" | "short" | "int" | "float" | "double";

/** The typed array that holds each IDX element type. */
export interface IdxArrayTypes {
  /** 0x08: unsigned bytes. */
  ubyte: Uint8Array;
  /** 0x09: signed bytes. */
  byte: Int8Array;
  /** 0x0B: 16-bit signed integers. */
  short: Int16Array;
  /** 0x0C: 32-bit signed integers. */
  int: Int32Array;
  /** 0x0D: 32-bit floats. */
  float: Float32Array;
  /** 0x0E: 64-bit floats. */
  double: Float64Array;
}

/** A decoded IDX file: its element type, its shape (the header's dimensions) and its elements. */
export interface IdxArray {
  /** The element type the file's magic number names. */
  type: IdxType;
  /** The dimension sizes from the header. */
  shape: number[];
  /** The elements in row-major order, in native byte order. */
  data: IdxArrayTypes[IdxType];
}

/** Type code (the magic number's third byte) → name and element size in bytes. */
const TYPES: ReadonlyMap<number, { type: IdxType; size: number }> = new Map([
  [0x08, { type: "ubyte", size: 1 }],
  [0x09, { type: "byte", size: 1 }],
  [0x0b, { type: "short", size: 2 }],
  [0x0c, { type: "int", size: 4 }],
  [0x0d, { type: "float", size: 4 }],
  [0x0e, { type: "double", size: 8 }],
]);

const CODES: Readonly<Record<IdxType, number>> = { ubyte: 0x08, byte: 0x09, short: 0x0b, int: 0x0c, float: 0x0d, double: 0x0e };

/** True when `bytes` starts with gzip's magic bytes 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

const hex = (b: ArrayLike<number>): string => Array.from(b, (v) => v.toString(16).padStart(2, "0")).join(" ");

/**
 * Decode an uncompressed IDX file from its bytes. `source` (a file name) is only used in error
 * messages. Throws on gzip'd bytes (use `decodeIdx` or `readIdx`), on a bad magic number, on a
 * header or data section that is cut short, and on bytes left over after the data the header
 * announces.
 */
export function parseIdx(bytes: Uint8Array, source = "IDX data"): IdxArray {
  if (isGzip(bytes)) throw new Error(`parseIdx: ${source} is gzip-compressed; decompress it first (fl.data.decodeIdx or fl.data.readIdx do)`);
  if (bytes.length < 4) throw new Error(`parseIdx: ${source} is truncated: ${bytes.length} byte(s), shorter than the 4-byte magic number`);
  const kind = TYPES.get(bytes[2]!);
  const ndim = bytes[3]!;
  if (bytes[0] !== 0 || bytes[1] !== 0 || !kind || ndim < 1) {
    throw new Error(
      `parseIdx: ${source} has a bad magic number ${hex(bytes.subarray(0, 4))}; IDX starts with 00 00, a type code ` +
        `(08 ubyte, 09 byte, 0b short, 0c int, 0d float, 0e double) and a dimension count ≥ 1`,
    );
  }
  const headerSize = 4 + 4 * ndim;
  if (bytes.length < headerSize) {
    throw new Error(`parseIdx: ${source} is truncated in its header: ${ndim} dimension(s) need ${headerSize} header bytes, the file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let d = 0; d < ndim; d++) shape.push(view.getUint32(4 + 4 * d, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = count * kind.size;
  const actual = bytes.length - headerSize;
  if (actual !== expected) {
    const what = actual < expected ? "is truncated" : "is longer than its header says";
    throw new Error(
      `parseIdx: ${source} ${what}: the header says shape [${shape.join(", ")}] of ${kind.type} = ${count} element(s) × ${kind.size} byte(s) = ` +
        `${expected} data bytes, but the file has ${actual} data bytes after its ${headerSize}-byte header`,
    );
  }
  return { type: kind.type, shape, data: readElements(view, headerSize, count, kind.type) };
}

/** The `count` big-endian elements of type `type` from byte `offset` on, in native order. */
function readElements(view: DataView, offset: number, count: number, type: IdxType): IdxArray["data"] {
  switch (type) {
    case "ubyte":
      return new Uint8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case "byte":
      return new Int8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case "short": {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case "int": {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case "float": {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case "double": {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

/**
 * Encode an array as an uncompressed IDX file (the inverse of `parseIdx`). `shape` must hold
 * `data.length` elements; `type` defaults to the one that matches `data`'s typed-array class.
 */
export function encodeIdx(idx: { shape: readonly number[]; data: IdxArray["data"]; type?: IdxType }): Uint8Array {
  const type = idx.type ?? typeOf(idx.data);
  const { size } = TYPES.get(CODES[type])!;
  const { shape, data } = idx;
  if (shape.length < 1 || shape.length > 255) throw new RangeError(`encodeIdx: IDX holds 1 to 255 dimensions, got shape [${shape.join(", ")}]`);
  for (const n of shape) if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`encodeIdx: dimension sizes must be integers in [0, 2^32), got shape [${shape.join(", ")}]`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`encodeIdx: shape [${shape.join(", ")}] holds ${count} elements but data has ${data.length}`);
  const headerSize = 4 + 4 * shape.length;
  const out = new Uint8Array(headerSize + count * size);
  const view = new DataView(out.buffer);
  out[2] = CODES[type];
  out[3] = shape.length;
  shape.forEach((n, d) => view.setUint32(4 + 4 * d, n, false));
  for (let i = 0; i < count; i++) {
    const p = headerSize + i * size;
    const v = Number(data[i]);
    if (type === "ubyte") view.setUint8(p, v);
    else if (type === "byte") view.setInt8(p, v);
    else if (type === "short") view.setInt16(p, v, false);
    else if (type === "int") view.setInt32(p, v, false);
    else if (type === "float") view.setFloat32(p, v, false);
    else view.setFloat64(p, v, false);
  }
  return out;
}

function typeOf(data: IdxArray["data"]): IdxType {
  if (data instanceof Uint8Array) return "ubyte";
  if (data instanceof Int8Array) return "byte";
  if (data instanceof Int16Array) return "short";
  if (data instanceof Int32Array) return "int";
  if (data instanceof Float32Array) return "float";
  if (data instanceof Float64Array) return "double";
  throw new TypeError(`encodeIdx: data must be a Uint8Array, Int8Array, Int16Array, Int32Array, Float32Array or Float64Array`);
}

/**
 * Decode IDX bytes that may be gzip'd (detected by the magic bytes 1f 8b), in Node or a browser:
 * the gzip stream is inflated with the web-standard DecompressionStream.
 */
export async function decodeIdx(bytes: Uint8Array, source = "IDX data"): Promise<IdxArray> {
  if (!isGzip(bytes)) return parseIdx(bytes, source);
  let inflated: Uint8Array;
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("gzip"));
    inflated = new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (err) {
    throw new Error(`decodeIdx: ${source} starts like gzip (1f 8b) but does not decompress: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseIdx(inflated, source);
}

/**
 * Read an IDX file (gzip'd or not, detected by its bytes) from a path. Node only. Errors name the
 * file: missing, not gzip despite its start, bad magic number, truncated, or the wrong size.
 */
export async function readIdx(path: string): Promise<IdxArray> {
  const { fs } = fsOrThrow("readIdx", "in a browser, fetch the file and decode its bytes with fl.data.decodeIdx(bytes)");
  const zlibId = "node:zlib"; // a computed module name keeps browser bundlers from pulling in Node built-ins
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`readIdx: cannot read ${path}${code === "ENOENT" ? ": no such file" : `: ${(err as Error).message}`}`);
  }
  if (isGzip(bytes)) {
    const zlib = (await import(zlibId)) as typeof import("node:zlib");
    try {
      bytes = zlib.gunzipSync(bytes);
    } catch (err) {
      throw new Error(`readIdx: ${path} starts like gzip (1f 8b) but does not decompress: ${(err as Error).message}`);
    }
  }
  return parseIdx(bytes, path);
}
