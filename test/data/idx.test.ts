// IDX files: hand-written bytes of every element type, round trips (plain and gzip) as properties,
// and the errors for corrupt files.
import { afterAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import * as fl from "../../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "fundl-idx-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const write = (bytes: Uint8Array, name = `f${fileNo++}.idx`): string => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};

describe("parseIdx: the format, byte by byte", () => {
  it("reads each element type big-endian, with the header's shape", () => {
    const header = (code: number, dims: number[]) => [0, 0, code, dims.length, ...dims.flatMap((n) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255])];
    const cases: [number, number[], number[], string, number[]][] = [
      [0x08, [2, 3], [0, 1, 127, 128, 254, 255], "ubyte", [0, 1, 127, 128, 254, 255]],
      [0x09, [3], [0x00, 0x7f, 0x80], "byte", [0, 127, -128]],
      [0x0b, [2], [0x01, 0x02, 0xff, 0xfe], "short", [258, -2]],
      [0x0c, [1, 2], [0x00, 0x01, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00], "int", [65536, -2147483648]],
      [0x0d, [2], [0x3f, 0xc0, 0x00, 0x00, 0xc0, 0x20, 0x00, 0x00], "float", [1.5, -2.5]],
      [0x0e, [1], [0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18], "double", [Math.PI]],
    ];
    for (const [code, dims, body, type, values] of cases) {
      const idx = fl.data.parseIdx(Uint8Array.from([...header(code, dims), ...body]));
      expect(idx.type).toBe(type);
      expect(idx.shape).toEqual(dims);
      expect(Array.from(idx.data)).toEqual(values);
    }
  });

  it("reads from a view into a larger buffer (byteOffset ≠ 0)", () => {
    const bytes = fl.data.encodeIdx({ shape: [2], data: Int16Array.from([-7, 300]) });
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expect(Array.from(fl.data.parseIdx(padded.subarray(3)).data)).toEqual([-7, 300]);
  });
});

// an IDX array of any type and shape, with values that type holds exactly
const arrays = fc
  .record({
    type: fc.constantFrom<fl.data.IdxType>("ubyte", "byte", "short", "int", "float", "double"),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }),
  })
  .chain(({ type, shape }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const values: fc.Arbitrary<number> = {
      ubyte: fc.integer({ min: 0, max: 255 }),
      byte: fc.integer({ min: -128, max: 127 }),
      short: fc.integer({ min: -32768, max: 32767 }),
      int: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      float: fc.float({ noNaN: true }),
      double: fc.double({ noNaN: true }),
    }[type];
    const make = { ubyte: Uint8Array, byte: Int8Array, short: Int16Array, int: Int32Array, float: Float32Array, double: Float64Array }[type];
    return fc.array(values, { minLength: n, maxLength: n }).map((v) => ({ type, shape, data: make.from(v) as fl.data.IdxArray["data"] }));
  });

describe("IDX round trips (property)", () => {
  it("parseIdx(encodeIdx(a)) = a", () => {
    fc.assert(
      fc.property(arrays, (a) => {
        const back = fl.data.parseIdx(fl.data.encodeIdx(a));
        expect(back.type).toBe(a.type);
        expect(back.shape).toEqual(a.shape);
        expect(back.data.constructor).toBe(a.data.constructor);
        expect(Array.from(back.data)).toEqual(Array.from(a.data));
      }),
      { numRuns: 200 },
    );
  });

  it("readIdx and decodeIdx read plain and gzip'd files alike", async () => {
    await fc.assert(
      fc.asyncProperty(arrays, fc.boolean(), async (a, gz) => {
        const plain = fl.data.encodeIdx(a);
        const bytes = gz ? gzipSync(plain) : plain;
        expect(fl.data.isGzip(bytes)).toBe(gz);
        for (const back of [await fl.data.readIdx(write(bytes)), await fl.data.decodeIdx(bytes)]) {
          expect(back.shape).toEqual(a.shape);
          expect(Array.from(back.data)).toEqual(Array.from(a.data));
        }
      }),
      { numRuns: 40 },
    );
  });

  it("any cut or any extra bytes is an error that names the file, the shape and both sizes", () => {
    fc.assert(
      fc.property(arrays, fc.nat(), fc.integer({ min: 1, max: 9 }), (a, cutSeed, extra) => {
        const bytes = fl.data.encodeIdx(a);
        const headerSize = 4 + 4 * a.shape.length;
        const cut = cutSeed % bytes.length;
        const expected = bytes.length - headerSize;
        if (cut >= headerSize) {
          expect(() => fl.data.parseIdx(bytes.subarray(0, cut), "cut.idx")).toThrow(
            `cut.idx is truncated: the header says shape [${a.shape.join(", ")}] of ${a.type} = ${a.data.length} element(s)`,
          );
          expect(() => fl.data.parseIdx(bytes.subarray(0, cut), "cut.idx")).toThrow(`${expected} data bytes, but the file has ${cut - headerSize} data bytes`);
        } else {
          expect(() => fl.data.parseIdx(bytes.subarray(0, cut), "cut.idx")).toThrow(/cut\.idx is truncated/);
        }
        const longer = new Uint8Array(bytes.length + extra);
        longer.set(bytes);
        expect(() => fl.data.parseIdx(longer, "long.idx")).toThrow(`long.idx is longer than its header says`);
      }),
      { numRuns: 200 },
    );
  });
});

describe("IDX errors", () => {
  const good = fl.data.encodeIdx({ shape: [2, 2], data: Uint8Array.from([1, 2, 3, 4]) });

  it("a bad magic number names the file and the bytes", async () => {
    for (const [i, v] of [[0, 1], [1, 8], [2, 0x0a], [2, 0x07], [3, 0]] as const) {
      const bad = good.slice();
      bad[i] = v;
      const p = write(bad, `bad-magic-${i}-${v}.idx`);
      await expect(fl.data.readIdx(p)).rejects.toThrow(`${p} has a bad magic number ${Array.from(bad.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ")}`);
    }
    // a text file is not IDX either, nor is a file shorter than its magic number
    await expect(fl.data.readIdx(write(new TextEncoder().encode("hello, world\n"), "text.idx"))).rejects.toThrow(/text\.idx has a bad magic number 68 65 6c 6c/);
    await expect(fl.data.readIdx(write(Uint8Array.from([0, 0]), "short.idx"))).rejects.toThrow(/short\.idx is truncated: 2 byte\(s\), shorter than the 4-byte magic number/);
  });

  it("a header cut inside its dimensions, and a gzip'd file whose content is truncated", async () => {
    await expect(fl.data.readIdx(write(good.subarray(0, 9), "hdr.idx"))).rejects.toThrow(/hdr\.idx is truncated in its header: 2 dimension\(s\) need 12 header bytes, the file has 9/);
    const p = write(gzipSync(good.subarray(0, good.length - 1)), "cut.idx.gz");
    await expect(fl.data.readIdx(p)).rejects.toThrow(`${p} is truncated: the header says shape [2, 2] of ubyte = 4 element(s) × 1 byte(s) = 4 data bytes, but the file has 3 data bytes after its 12-byte header`);
  });

  it("a broken gzip stream, a missing file, and gzip bytes given to parseIdx", async () => {
    const gz = gzipSync(good);
    const broken = write(gz.subarray(0, gz.length - 10), "broken.gz");
    await expect(fl.data.readIdx(broken)).rejects.toThrow(`${broken} starts like gzip (1f 8b) but does not decompress`);
    await expect(fl.data.decodeIdx(gz.subarray(0, gz.length - 10), "broken.gz")).rejects.toThrow(/broken\.gz starts like gzip \(1f 8b\) but does not decompress/);
    await expect(fl.data.readIdx(join(dir, "nope.idx"))).rejects.toThrow(/cannot read .*nope\.idx: no such file/);
    expect(() => fl.data.parseIdx(gz, "g.gz")).toThrow(/g\.gz is gzip-compressed; decompress it first/);
  });

  it("encodeIdx refuses data that does not fill its shape", () => {
    expect(() => fl.data.encodeIdx({ shape: [2, 3], data: new Uint8Array(5) })).toThrow(/shape \[2, 3\] holds 6 elements but data has 5/);
  });
});

describe("loadIdxSplit: a folder of the four standard files", () => {
  const images = (n: number, seed: number) => fl.data.encodeIdx({ shape: [n, 2, 3], data: Uint8Array.from({ length: n * 6 }, (_, i) => (i * 37 + seed) % 256) });
  const labels = (n: number) => fl.data.encodeIdx({ shape: [n], data: Uint8Array.from({ length: n }, (_, i) => i % 10) });

  it("accepts plain, .gz and dotted names; images become float32 [N, 1, H, W] in [0, 1]", async () => {
    const d = mkdtempSync(join(dir, "split-"));
    writeFileSync(join(d, "train-images-idx3-ubyte.gz"), gzipSync(images(5, 1)));
    writeFileSync(join(d, "train-labels.idx1-ubyte"), labels(5));
    writeFileSync(join(d, "t10k-images-idx3-ubyte"), images(3, 2));
    writeFileSync(join(d, "t10k-labels-idx1-ubyte.gz"), gzipSync(labels(3)));
    const { train, test } = await fl.data.loadIdxSplit(d);
    expect(train.inputs.shape).toEqual([5, 1, 2, 3]);
    expect(test.inputs.shape).toEqual([3, 1, 2, 3]);
    expect(train.inputs.dtype).toBe("float32");
    expect(Array.from(train.inputs.data.subarray(0, 3))).toEqual([1 / 255, 38 / 255, 75 / 255].map(Math.fround));
    expect(Array.from(test.labels)).toEqual([0, 1, 2]);
  });

  it("names the missing files and says how to get them; flags count and type mismatches", async () => {
    const d = mkdtempSync(join(dir, "partial-"));
    writeFileSync(join(d, "train-images-idx3-ubyte"), images(5, 0));
    writeFileSync(join(d, "train-labels-idx1-ubyte"), labels(4));
    await expect(fl.data.loadIdxSplit(d, { name: "Toy", howToGet: "Ask a friend." })).rejects.toThrow(
      `Toy: ${d} lacks t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]. Ask a friend.`,
    );
    writeFileSync(join(d, "t10k-images-idx3-ubyte"), images(2, 0));
    writeFileSync(join(d, "t10k-labels-idx1-ubyte"), labels(2));
    await expect(fl.data.loadIdxSplit(d)).rejects.toThrow(/train-images-idx3-ubyte holds 5 images but .*train-labels-idx1-ubyte holds 4 labels/);
    writeFileSync(join(d, "train-labels-idx1-ubyte"), fl.data.encodeIdx({ shape: [5], data: new Float32Array(5) }));
    await expect(fl.data.loadIdxSplit(d)).rejects.toThrow(/train-labels-idx1-ubyte should hold labels, ubyte of shape \[N\], but holds float of shape \[5\]/);
  });

  it("Fashion-MNIST missing: the error says exactly how to get it", async () => {
    await expect(fl.data.loadFashionMnist(join(dir, "no-such-dir"))).rejects.toThrow(/apt-get install dataset-fashion-mnist.*download the four files .*--data DIR/);
  });
});

describe("randomHorizontalFlip", () => {
  const x = fl.arange(0, 2 * 2 * 2 * 3).reshape([2, 2, 2, 3]);
  it("p = 1 mirrors every row, p = 0 copies, and the same generator state gives the same flips", () => {
    const flipped = fl.data.randomHorizontalFlip(x, new fl.Generator(0), 1);
    expect(Array.from(flipped.data.subarray(0, 6))).toEqual([2, 1, 0, 5, 4, 3]);
    expect(Array.from(fl.data.randomHorizontalFlip(flipped, new fl.Generator(0), 1).data)).toEqual(Array.from(x.data));
    expect(Array.from(fl.data.randomHorizontalFlip(x, new fl.Generator(0), 0).data)).toEqual(Array.from(x.data));
    const big = fl.rand([64, 1, 2, 2], { seed: 3 });
    const a = fl.data.randomHorizontalFlip(big, new fl.Generator(9));
    expect(Array.from(a.data)).toEqual(Array.from(fl.data.randomHorizontalFlip(big, new fl.Generator(9)).data));
    // about half the images flip
    let flips = 0;
    for (let b = 0; b < 64; b++) if (a.data[4 * b] !== big.data[4 * b]) flips++;
    expect(flips).toBeGreaterThan(16);
    expect(flips).toBeLessThan(48);
  });
});
