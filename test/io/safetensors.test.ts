import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as fl from "../../src/index.js";

const bitsOf = (t: fl.Tensor) => Array.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));

/** Build a safetensors file by hand from a header object and raw data bytes (independent of serialize). */
function handMade(header: unknown, data: Uint8Array, headerText?: string): Uint8Array {
  const text = headerText ?? JSON.stringify(header);
  const h = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

describe("serialize / deserialize", () => {
  it("round-trips float32 and float64 bit-exactly, including NaN payloads, −0, ±Inf and denormals", () => {
    const nanPayload = new Float32Array(new Uint32Array([0x7fc00001, 0xffa00000]).buffer);
    const f32 = new Float32Array([1.5, -0, Infinity, -Infinity, 1e-45, 1.17e-39, nanPayload[0]!, nanPayload[1]!, 3.4028234663852886e38]);
    const f64nan = new Float64Array(new BigUint64Array([0x7ff8000000000123n, 0xfff0000000000001n]).buffer);
    const f64 = new Float64Array([Math.PI, -0, 5e-324, 2.2250738585072e-308, f64nan[0]!, f64nan[1]!, -Number.MAX_VALUE]);
    const sd = {
      "layer.weight": new fl.Tensor(f32, [3, 3]),
      "layer.bias": new fl.Tensor(f64, [7]),
      scalar: fl.tensor(2.5),
      empty: fl.zeros([0, 4], { dtype: "float64" }),
    };
    const bytes = fl.io.serialize(sd, { epoch: "3", note: "héllo ✓" });
    const back = fl.io.deserialize(bytes);
    expect(back.metadata).toEqual({ epoch: "3", note: "héllo ✓" });
    expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(sd).sort());
    for (const [k, t] of Object.entries(sd)) {
      const u = back.tensors[k]!;
      expect(u.shape).toEqual(t.shape);
      expect(u.dtype).toBe(t.dtype);
      expect(bitsOf(u)).toEqual(bitsOf(t));
    }
  });

  it("writes the layout of the format: u64 LE header length, JSON header padded with spaces to 8 bytes, packed data", () => {
    const bytes = fl.io.serialize({ a: fl.tensor([1, 2, 3]), b: fl.tensor([4], undefined, { dtype: "float64" }) }, { k: "v" });
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const n = Number(view.getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.trimEnd().length).toBeLessThanOrEqual(n);
    expect(/^ *$/.test(text.slice(text.trimEnd().length))).toBe(true);
    const header = JSON.parse(text);
    expect(header.__metadata__).toEqual({ k: "v", [fl.io.CHECKSUM_KEY]: expect.any(String) });
    // float64 first so every tensor is aligned to its element size
    expect(header.b).toEqual({ dtype: "F64", shape: [1], data_offsets: [0, 8] });
    expect(header.a).toEqual({ dtype: "F32", shape: [3], data_offsets: [8, 20] });
    expect(bytes.length).toBe(8 + n + 20);
    expect(new DataView(bytes.buffer, bytes.byteOffset + 8 + n).getFloat64(0, true)).toBe(4);
    expect(new DataView(bytes.buffer, bytes.byteOffset + 8 + n + 8).getFloat32(8, true)).toBe(3);
  });

  it("reads a hand-made file", () => {
    const header = { w: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, __metadata__: { a: "b" } };
    const t = fl.io.deserialize(handMade(header, f32Bytes([7, -8])));
    expect(t.tensors.w!.toList()).toEqual([7, -8]);
    expect(t.metadata).toEqual({ a: "b" });
  });

  it("reads the reference implementation's file (fixture made by make_reference.py with the safetensors package)", () => {
    const file = fileURLToPath(new URL("./fixtures/reference.safetensors", import.meta.url));
    const { tensors, metadata } = fl.io.load(file);
    expect(metadata).toEqual({ framework: "numpy", note: "made by make_reference.py" });
    const w = tensors["conv.weight"]!;
    expect(w.shape).toEqual([2, 1, 3, 3]);
    expect(w.dtype).toBe("float32");
    expect(w.toList()).toEqual(Array.from({ length: 18 }, (_, i) => i / 8 - 1));
    expect(tensors["conv.bias"]!.toList()).toEqual([0.5, -0.25]);
    const fc = tensors["fc.weight"]!;
    expect(fc.dtype).toBe("float64");
    expect(fc.shape).toEqual([3, 2]);
    expect(fc.toList()).toEqual(Array.from({ length: 6 }, (_, i) => i * 0.1));
    expect(tensors.scalar!.shape).toEqual([]);
    expect(tensors.scalar!.item()).toBe(Math.PI);
    expect(tensors.empty!.shape).toEqual([0, 4]);
    const s = tensors.special!.toList();
    expect(s[0]).toBeNaN();
    expect(Object.is(s[1], -0)).toBe(true);
    expect(s.slice(2, 4)).toEqual([Infinity, -Infinity]);
    expect(s[4]).toBe(Math.fround(1.1754943508222875e-38 / 4));
    // and writing it back gives a file that reads the same, bit for bit
    const again = fl.io.deserialize(fl.io.serialize(tensors, metadata));
    for (const [k, t] of Object.entries(tensors)) expect(bitsOf(again.tensors[k]!)).toEqual(bitsOf(t));
    expect(readFileSync(file).length).toBeGreaterThan(0);
  });
});

describe("damaged files are rejected whole, naming the file and the problem", () => {
  const good = () => fl.io.serialize({ a: fl.tensor([1, 2, 3]), b: fl.tensor([4, 5]) });
  const reject = (bytes: Uint8Array, message: RegExp) => {
    expect(() => fl.io.deserialize(bytes, "model.safetensors")).toThrow(fl.io.SafetensorsError);
    expect(() => fl.io.deserialize(bytes, "model.safetensors")).toThrow(message);
    expect(() => fl.io.deserialize(bytes, "model.safetensors")).toThrow(/^model\.safetensors: /);
  };
  const w = (dtype: string, shape: number[], offsets: number[]) => ({ dtype, shape, data_offsets: offsets });

  it("too short for the header length", () => reject(new Uint8Array(5), /truncated: 5 bytes, too short/));
  it("header length beyond the file", () => {
    const b = good();
    reject(b.subarray(0, 30), /header length \d+ goes beyond the end of the file \(30 bytes/);
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 60n, true);
    reject(huge, /header length 1152921504606846976 goes beyond/);
  });
  it("truncated data", () => {
    const b = good();
    reject(b.subarray(0, b.length - 3), /data_offsets \[\d+, \d+\] go beyond the \d+ data bytes \(truncated file/);
  });
  it("bad JSON", () => reject(handMade(null, new Uint8Array(0), '{"a": {"dtype": "F32",'), /header is not valid JSON/));
  it("not an object / not a safetensors file", () => {
    reject(handMade(null, new Uint8Array(0), "[1, 2]"), /does not start with "\{"/);
    reject(handMade(null, new Uint8Array(0), '{"a": 3}'), /tensor "a": the entry is not an object/);
  });
  it("unknown and unsupported dtypes", () => {
    reject(handMade({ a: w("F33", [1], [0, 4]) }, f32Bytes([1])), /tensor "a": unknown dtype "F33"/);
    reject(handMade({ a: w("BF16", [2], [0, 4]) }, f32Bytes([1])), /tensor "a": dtype BF16 is not supported \(fundl reads F32 and F64\)/);
  });
  it("bad shapes and offsets", () => {
    reject(handMade({ a: w("F32", [-1], [0, 4]) }, f32Bytes([1])), /"shape" must be an array of non-negative integers/);
    reject(handMade({ a: w("F32", [1], [4]) }, f32Bytes([1])), /"data_offsets" must be \[begin, end\]/);
    reject(handMade({ a: w("F32", [1], [4, 0]) }, f32Bytes([1])), /end before they begin/);
  });
  it("offsets that do not match shape × dtype size (a header that lies about sizes)", () => {
    reject(handMade({ a: w("F32", [3], [0, 8]) }, f32Bytes([1, 2])), /tensor "a": data_offsets \[0, 8\] span 8 bytes but shape \[3\] of F32 needs 12/);
    reject(handMade({ a: w("F64", [2], [0, 8]) }, f32Bytes([1, 2])), /span 8 bytes but shape \[2\] of F64 needs 16/);
  });
  it("overlapping tensors, gaps and trailing garbage", () => {
    reject(handMade({ a: w("F32", [2], [0, 8]), b: w("F32", [2], [4, 12]) }, f32Bytes([1, 2, 3])), /tensors "a" and "b" overlap/);
    reject(handMade({ a: w("F32", [1], [0, 4]), b: w("F32", [1], [8, 12]) }, f32Bytes([1, 2, 3])), /a gap of 4 bytes before tensor "b"/);
    const b = good();
    const extra = new Uint8Array(b.length + 5);
    extra.set(b);
    reject(extra, /5 bytes of trailing data after the last tensor/);
  });
  it("bad metadata", () => {
    reject(handMade({ __metadata__: { epoch: 3 } }, new Uint8Array(0)), /"__metadata__"."epoch" must be a string/);
  });
  it("a file name in load's errors, and a missing file", () => {
    expect(() => fl.io.load("/nonexistent/dir/x.safetensors")).toThrow(/^\/nonexistent\/dir\/x\.safetensors: cannot read \(no such file\)/);
  });
  it("serialize refuses non-string metadata and the reserved name", () => {
    expect(() => fl.io.serialize({ a: fl.tensor([1]) }, { n: 3 as unknown as string })).toThrow(/metadata "n" must be a string/);
    expect(() => fl.io.serialize({ __metadata__: fl.tensor([1]) })).toThrow(/reserved/);
  });
});
