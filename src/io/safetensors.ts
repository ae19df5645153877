/**
 * The safetensors format, in memory (no file system: works in a browser too).
 *
 *   [8 bytes]  N, the header length, unsigned 64-bit little-endian
 *   [N bytes]  UTF-8 JSON: { "<name>": { "dtype": "F32" | "F64", "shape": [...], "data_offsets": [begin, end] }, …,
 *                            "__metadata__": { "<key>": "<string value>", … } }
 *              padded with spaces so that the data starts at a multiple of 8 bytes
 *   [rest]     the tensors' raw little-endian values; offsets are relative to the start of this
 *              section, and the tensors tile it exactly (no gaps, no overlaps, nothing after).
 *
 * `deserialize` checks the whole header against the byte count before it builds any tensor, so a
 * damaged file is rejected as a whole with an error that names it and says what is wrong.
 *
 * Checksums. The format itself has none, so `serialize` adds one metadata entry, CHECKSUM_KEY:
 *   {"header": crc32 of the header's meaning (every tensor's name, dtype, shape and offsets, and
 *               every other metadata entry, in a canonical JSON form),
 *    "tensors": {"<name>": crc32 of that tensor's bytes as stored, …}}
 * `deserialize` verifies it when present (and takes it out of the metadata it returns); a file
 * without it — any other writer's — loads as before, unverified.
 *
 * Maps built from a header are null-prototype objects, so a tensor or metadata key named
 * "__proto__" is an ordinary key.
 */
import { Tensor } from "../tensor.js";
import type { DType } from "../dtype.js";
import { crc32Hex } from "./crc32.js";

/** String metadata of a safetensors file. */
export type Metadata = Record<string, string>;

/** The metadata key under which fundl stores the file's checksums (reserved: serialize refuses it as a user key). */
export const CHECKSUM_KEY = "fundl.crc32";

/** Options of `serialize`. */
export interface SerializeOptions {
  /** Store CRC-32 checksums of the header and of every tensor's bytes in the metadata (default true). */
  checksum?: boolean;
}

/** An object without a prototype: any string, "__proto__" included, is an ordinary key. */
export function nullProtoRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** What a safetensors file holds: tensors by name and string metadata (both null-prototype objects when read). */
export interface SafetensorsContents {
  /** The tensors by name. */
  tensors: Record<string, Tensor>;
  /** The file's `__metadata__`. */
  metadata: Metadata;
}

/** A safetensors file (or byte array) that cannot be read or written as asked: damaged, truncated, failing its checksum, or unsupported. */
export class SafetensorsError extends Error {
  override name = "SafetensorsError";
}

/** Every dtype the safetensors format defines; fundl reads and writes F32 and F64. */
const KNOWN_DTYPES = new Set(["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"]);
const CODE: Record<DType, "F32" | "F64"> = { float32: "F32", float64: "F64" };
const BYTES = { F32: 4, F64: 8 } as const;
const HEADER_LIMIT = 100_000_000; // the reference implementation's limit on the header size

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Encode tensors (float32/float64) and string metadata as a safetensors byte array, with checksums
 * of the header and of every tensor's bytes in the metadata (see CHECKSUM_KEY) unless
 * `options.checksum` is false.
 */
export function serialize(tensors: Record<string, Tensor>, metadata: Metadata = {}, options: SerializeOptions = {}): Uint8Array {
  const header = nullProtoRecord<unknown>();
  const meta = nullProtoRecord<string>();
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== "string") throw new SafetensorsError(`serialize: metadata "${k}" must be a string, got ${typeof v}`);
    if (k === CHECKSUM_KEY) throw new SafetensorsError(`serialize: metadata "${CHECKSUM_KEY}" is reserved for fundl's checksums`);
    meta[k] = v;
  }
  // float64 tensors first, then float32 (stable within each), so every tensor starts aligned to its size
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) {
    if (name === "__metadata__") throw new SafetensorsError(`serialize: "__metadata__" is reserved and cannot name a tensor`);
    if (!(t instanceof Tensor)) throw new SafetensorsError(`serialize: "${name}" is not a Tensor`);
  }
  const ordered = [...entries.filter(([, t]) => t.dtype === "float64"), ...entries.filter(([, t]) => t.dtype === "float32")];
  let offset = 0;
  const layout: Entry[] = [];
  for (const [name, t] of ordered) {
    const code = CODE[t.dtype];
    const end = offset + t.size * BYTES[code];
    layout.push({ name, code, shape: [...t.shape], begin: offset, end });
    offset = end;
  }
  const data = new Uint8Array(offset);
  for (let i = 0; i < ordered.length; i++) writeValues(data, layout[i]!.begin, ordered[i]![1]);
  if (options.checksum !== false) {
    const sums = nullProtoRecord<string>();
    for (const e of layout) sums[e.name] = crc32Hex(data.subarray(e.begin, e.end));
    meta[CHECKSUM_KEY] = JSON.stringify({ header: crc32Hex(new TextEncoder().encode(canonicalHeader(layout, meta))), tensors: sums });
  }
  if (Object.keys(meta).length > 0) header.__metadata__ = meta;
  for (const e of layout) header[e.name] = { dtype: e.code, shape: e.shape, data_offsets: [e.begin, e.end] };
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  let headerBytes = encoder.encode(json);
  const pad = (8 - ((8 + headerBytes.length) % 8)) % 8;
  if (pad) {
    json += " ".repeat(pad);
    headerBytes = encoder.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerBytes.length, true);
  view.setUint32(4, 0, true);
  out.set(headerBytes, 8);
  out.set(data, 8 + headerBytes.length);
  return out;
}

/**
 * The header's meaning in one canonical string (what the header checksum covers): tensors sorted
 * by name with dtype, shape and offsets, then the metadata entries sorted by key, without the
 * checksum entry itself.
 */
function canonicalHeader(entries: readonly Entry[], metadata: Metadata): string {
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const tensors = [...entries].sort((a, b) => byName(a.name, b.name)).map((e) => [e.name, e.code, e.shape, e.begin, e.end]);
  const meta = Object.keys(metadata).filter((k) => k !== CHECKSUM_KEY).sort(byName).map((k) => [k, metadata[k]]);
  return JSON.stringify([tensors, meta]);
}

/** Check the checksums stored under CHECKSUM_KEY against the header and the data section. */
function verifyChecksums(stored: string, entries: readonly Entry[], metadata: Metadata, data: Uint8Array, fail: (problem: string) => never): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    fail(`metadata "${CHECKSUM_KEY}" is not valid JSON (the checksum entry is damaged)`);
  }
  const { header, tensors } = (parsed ?? {}) as { header?: unknown; tensors?: unknown };
  if (typeof header !== "string" || typeof tensors !== "object" || tensors === null || Array.isArray(tensors)) {
    fail(`metadata "${CHECKSUM_KEY}" must be {"header": crc32, "tensors": {name: crc32}} (the checksum entry is damaged)`);
  }
  const headerSum = crc32Hex(new TextEncoder().encode(canonicalHeader(entries, metadata)));
  if (headerSum !== header) {
    fail(`the header (tensor names, dtypes, shapes, offsets or metadata) does not match its checksum: crc32 ${headerSum}, stored ${String(header)}`);
  }
  const sums = new Map(Object.entries(tensors as Record<string, unknown>));
  for (const e of entries) {
    if (!sums.has(e.name)) fail(`tensor "${e.name}" has no checksum in "${CHECKSUM_KEY}"`);
    const got = crc32Hex(data.subarray(e.begin, e.end));
    if (got !== sums.get(e.name)) fail(`tensor "${e.name}": its bytes do not match the checksum stored when it was saved (crc32 ${got}, stored ${String(sums.get(e.name))}); the file is corrupted`);
    sums.delete(e.name);
  }
  if (sums.size > 0) fail(`"${CHECKSUM_KEY}" lists tensors the file does not hold: ${[...sums.keys()].map((k) => JSON.stringify(k)).join(", ")}`);
}

/** Copy t's values into out at byte `at`, little-endian. */
function writeValues(out: Uint8Array, at: number, t: Tensor): number {
  const d = t.data;
  if (littleEndian) {
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
  } else {
    const view = new DataView(out.buffer, out.byteOffset + at, d.byteLength);
    for (let i = 0; i < d.length; i++) {
      if (d instanceof Float64Array) view.setFloat64(i * 8, d[i]!, true);
      else view.setFloat32(i * 4, d[i]!, true);
    }
  }
  return d.byteLength;
}

interface Entry {
  name: string;
  code: "F32" | "F64";
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Decode a safetensors byte array. `source` names it in errors (a file name; "<bytes>" by default).
 * Throws SafetensorsError for a truncated or damaged file, a header that disagrees with the data,
 * an unknown or unsupported dtype, trailing bytes, or checksums (when the file carries them) that
 * do not match; returns nothing partial. The returned maps have no prototype.
 */
export function deserialize(bytes: Uint8Array, source = "<bytes>"): SafetensorsContents {
  const fail = (problem: string): never => {
    throw new SafetensorsError(`${source}: ${problem}`);
  };
  if (bytes.length < 8) fail(`truncated: ${bytes.length} bytes, too short to hold the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nBig = view.getBigUint64(0, true);
  if (nBig > BigInt(bytes.length - 8)) fail(`header length ${nBig} goes beyond the end of the file (${bytes.length} bytes; truncated, or not a safetensors file)`);
  const n = Number(nBig);
  if (n > HEADER_LIMIT) fail(`header length ${n} exceeds the limit of ${HEADER_LIMIT} bytes`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return fail(`the header is not valid UTF-8`);
  }
  if (!text.startsWith("{")) fail(`the header does not start with "{" (not a safetensors file?)`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`the header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) return fail(`the header is not a JSON object`);

  const dataLength = bytes.length - 8 - n;
  const metadata = nullProtoRecord<string>();
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof raw !== "object" || raw === null || Array.isArray(raw)) fail(`"__metadata__" must be an object of strings`);
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== "string") fail(`"__metadata__"."${k}" must be a string, got ${JSON.stringify(v)}`);
        metadata[k] = v as string;
      }
      continue;
    }
    if (typeof raw !== "object" || raw === null) return fail(`tensor "${name}": the entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== "string") return fail(`tensor "${name}": missing "dtype"`);
    if (!KNOWN_DTYPES.has(dtype)) return fail(`tensor "${name}": unknown dtype ${JSON.stringify(dtype)}`);
    if (dtype !== "F32" && dtype !== "F64") return fail(`tensor "${name}": dtype ${dtype} is not supported (fundl reads F32 and F64)`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      return fail(`tensor "${name}": "shape" must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      return fail(`tensor "${name}": "data_offsets" must be [begin, end] with non-negative integers, got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) fail(`tensor "${name}": data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLength) fail(`tensor "${name}": data_offsets [${begin}, ${end}] go beyond the ${dataLength} data bytes (truncated file, or a header that lies about sizes)`);
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    const need = count * BYTES[dtype];
    if (end - begin !== need) fail(`tensor "${name}": data_offsets [${begin}, ${end}] span ${end - begin} bytes but shape [${(shape as number[]).join(", ")}] of ${dtype} needs ${need}`);
    entries.push({ name, code: dtype, shape: shape as number[], begin, end });
  }
  // the tensors must tile the data section: sorted by offset, each begins where the last ended
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev = "";
  for (const e of entries) {
    if (e.begin < at) fail(`tensors "${prev}" and "${e.name}" overlap (bytes ${e.begin}–${at})`);
    if (e.begin > at) fail(`a gap of ${e.begin - at} bytes before tensor "${e.name}" (the data section must be packed)`);
    at = e.end;
    prev = e.name;
  }
  if (at < dataLength) fail(`${dataLength - at} bytes of trailing data after the last tensor`);

  const base = 8 + n;
  const stored = metadata[CHECKSUM_KEY];
  if (stored !== undefined) {
    verifyChecksums(stored, entries, metadata, bytes.subarray(base), fail);
    delete metadata[CHECKSUM_KEY];
  }
  const tensors = nullProtoRecord<Tensor>();
  for (const e of entries) tensors[e.name] = readValues(bytes, base + e.begin, e);
  return { tensors, metadata };
}

function readValues(bytes: Uint8Array, at: number, e: Entry): Tensor {
  const byteLength = e.end - e.begin;
  // copy into a fresh buffer (aligned, and independent of the file's bytes)
  const buf = new ArrayBuffer(byteLength);
  const dst = new Uint8Array(buf);
  if (littleEndian) {
    dst.set(bytes.subarray(at, at + byteLength));
    return new Tensor(e.code === "F64" ? new Float64Array(buf) : new Float32Array(buf), e.shape);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, byteLength);
  const out = e.code === "F64" ? new Float64Array(byteLength / 8) : new Float32Array(byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = e.code === "F64" ? view.getFloat64(i * 8, true) : view.getFloat32(i * 4, true);
  return new Tensor(out, e.shape);
}
