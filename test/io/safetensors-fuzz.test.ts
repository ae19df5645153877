/**
 * Fuzzing the safetensors reader: thousands of seeded single-byte changes, truncations and header
 * edits of a checksummed file. Every damaged file must either read back exactly the original
 * tensors (names, dtypes, shapes, bits) and metadata, or be refused with a SafetensorsError —
 * never a different value in silence, never another kind of error.
 */
import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";

const bitsOf = (t: fl.Tensor) => Array.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));

function original(): Uint8Array {
  const g = new fl.Generator(7);
  const f32 = fl.tensor(Array.from({ length: 12 }, () => g.normal()), [3, 4]);
  const f64 = fl.tensor(Array.from({ length: 6 }, () => g.normal()), [2, 3], { dtype: "float64" });
  return fl.io.serialize({ "conv.weight": f32, "conv.bias": fl.tensor([0.5, -1, 2]), "optimizer.state.0.step": fl.tensor(3, undefined, { dtype: "float64" }), moments: f64 }, { format: "fundl-checkpoint/1", meta: '{"epoch":2}' });
}

type Outcome = "refused" | "identical";

function check(bytes: Uint8Array, expected: fl.io.SafetensorsContents, what: string): Outcome {
  let got: fl.io.SafetensorsContents;
  try {
    got = fl.io.deserialize(bytes, "fuzz");
  } catch (e) {
    if (!(e instanceof fl.io.SafetensorsError)) throw new Error(`${what}: threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
    return "refused";
  }
  const names = Object.keys(got.tensors).sort();
  if (JSON.stringify(names) !== JSON.stringify(Object.keys(expected.tensors).sort())) throw new Error(`${what}: loaded other tensor names ${names.join(", ")}`);
  for (const n of names) {
    const a = got.tensors[n]!;
    const b = expected.tensors[n]!;
    if (a.dtype !== b.dtype || JSON.stringify(a.shape) !== JSON.stringify(b.shape) || JSON.stringify(bitsOf(a)) !== JSON.stringify(bitsOf(b))) {
      throw new Error(`${what}: tensor "${n}" loaded with different dtype, shape or values`);
    }
  }
  // every original metadata entry is unchanged (a change to the checksum entry's own key turns
  // verification off: the file then reads as a plain safetensors file with one more entry)
  for (const [k, v] of Object.entries(expected.metadata)) if (got.metadata[k] !== v) throw new Error(`${what}: metadata "${k}" changed`);
  return "identical";
}

describe("safetensors reader under fuzzing", () => {
  it("2,400 single-byte changes, 300 truncations and 300 header edits: identical values or a SafetensorsError", () => {
    const file = original();
    const expected = fl.io.deserialize(file);
    const headerEnd = 8 + Number(new DataView(file.buffer).getBigUint64(0, true));
    const g = new fl.Generator(20261129);
    const counts = { refused: 0, identical: 0 };
    const started = performance.now();
    const tally = (o: Outcome) => counts[o]++;
    for (let i = 0; i < 2400; i++) {
      // one byte anywhere set to another value
      const b = file.slice();
      const at = g.int(b.length);
      b[at] = (b[at]! + 1 + g.int(255)) & 0xff;
      tally(check(b, expected, `byte ${at} set to ${b[at]}`));
    }
    for (let i = 0; i < 300; i++) {
      const n = g.int(file.length);
      tally(check(file.slice(0, n), expected, `truncated to ${n} bytes`));
    }
    const printable = '{}[]",:0123456789 FI_-.e';
    for (let i = 0; i < 300; i++) {
      // a header byte replaced by a JSON-significant character, or a byte inserted or removed in the header
      const at = 8 + g.int(headerEnd - 8);
      const kind = g.int(3);
      let b: Uint8Array;
      if (kind === 0) {
        b = file.slice();
        b[at] = printable.charCodeAt(g.int(printable.length));
      } else if (kind === 1) {
        b = new Uint8Array(file.length + 1);
        b.set(file.subarray(0, at));
        b[at] = printable.charCodeAt(g.int(printable.length));
        b.set(file.subarray(at), at + 1);
      } else {
        b = new Uint8Array(file.length - 1);
        b.set(file.subarray(0, at));
        b.set(file.subarray(at + 1), at);
      }
      tally(check(b, expected, `header edit ${kind} at ${at}`));
    }
    const seconds = (performance.now() - started) / 1000;
    expect(counts.refused + counts.identical).toBe(3000);
    // most damage is caught; the identical loads are changes the reader may ignore (JSON whitespace, padding)
    expect(counts.refused).toBeGreaterThan(2500);
    expect(seconds).toBeLessThan(20);
  });
});
