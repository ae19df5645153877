import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import * as fl from "../../src/index.js";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "fundl-verified-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The byte offset of the data section of a safetensors byte array. */
const dataStart = (b: Uint8Array) => 8 + Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));

describe("checksums in safetensors metadata", () => {
  it("a changed data byte is refused, naming the tensor whose bytes differ", () => {
    const bytes = fl.io.serialize({ a: fl.tensor([1, 2, 3]), b: fl.tensor([4, 5], undefined, { dtype: "float64" }) }, { epoch: "3" });
    expect(fl.io.deserialize(bytes).tensors.a!.toList()).toEqual([1, 2, 3]);
    // the data section holds b (float64, 16 bytes) then a (float32): flip a bit of a's first value
    const bad = bytes.slice();
    bad[dataStart(bytes) + 16 + 1] ^= 0x04;
    expect(() => fl.io.deserialize(bad, "x.safetensors")).toThrow(fl.io.SafetensorsError);
    expect(() => fl.io.deserialize(bad, "x.safetensors")).toThrow(/x\.safetensors: tensor "a": its bytes do not match the checksum/);
    const bad2 = bytes.slice();
    bad2[dataStart(bytes) + 3] ^= 0x01;
    expect(() => fl.io.deserialize(bad2)).toThrow(/tensor "b": its bytes do not match/);
  });

  it("the checksum covers the header: a shape rewritten to another with the same size is refused", () => {
    const bytes = fl.io.serialize({ w: fl.tensor([1, 2, 3, 4, 5, 6], [2, 3]) }, { note: "abc" });
    const text = Buffer.from(bytes).toString("latin1");
    const swapped = new Uint8Array(Buffer.from(text.replace('"shape":[2,3]', '"shape":[3,2]'), "latin1"));
    expect(swapped.length).toBe(bytes.length);
    expect(() => fl.io.deserialize(swapped)).toThrow(/the header .* does not match its checksum/);
    const meta = new Uint8Array(Buffer.from(text.replace('"note":"abc"', '"note":"abd"'), "latin1"));
    expect(() => fl.io.deserialize(meta)).toThrow(/does not match its checksum/);
  });

  it("the checksum entry is not returned as metadata; files without it (other writers, checksum: false) still load", () => {
    const sd = { w: fl.tensor([1, 2]) };
    expect(fl.io.deserialize(fl.io.serialize(sd, { k: "v" })).metadata).toEqual({ k: "v" });
    const plain = fl.io.serialize(sd, { k: "v" }, { checksum: false });
    expect(new TextDecoder().decode(plain)).not.toContain(fl.io.CHECKSUM_KEY);
    const back = fl.io.deserialize(plain);
    expect(back.tensors.w!.toList()).toEqual([1, 2]);
    expect(back.metadata).toEqual({ k: "v" });
    expect(() => fl.io.serialize(sd, { [fl.io.CHECKSUM_KEY]: "x" })).toThrow(/reserved/);
  });

  it("a damaged checkpoint file is refused by loadCheckpoint", () => {
    const file = join(dir, "ck.safetensors");
    fl.io.saveCheckpoint(file, { model: { w: fl.tensor([1, 2, 3]) }, meta: { epoch: 1 } });
    const b = readFileSync(file);
    b[b.length - 2] ^= 0x10;
    writeFileSync(file, b);
    expect(() => fl.io.loadCheckpoint(file)).toThrow(/ck\.safetensors: tensor "w": its bytes do not match/);
  });
});

describe("keys named __proto__", () => {
  it("a tensor and a metadata key named __proto__ round-trip as ordinary keys, without changing any prototype", () => {
    const sd: Record<string, fl.Tensor> = Object.create(null);
    sd["__proto__"] = fl.tensor([7, 8]);
    sd["w"] = fl.tensor([1]);
    const meta: Record<string, string> = Object.create(null);
    meta["__proto__"] = "m";
    const back = fl.io.deserialize(fl.io.serialize(sd, meta));
    expect(Object.keys(back.tensors).sort()).toEqual(["__proto__", "w"]);
    expect(Object.getPrototypeOf(back.tensors)).toBe(null);
    expect(back.tensors["__proto__"]!.toList()).toEqual([7, 8]);
    expect(back.metadata["__proto__"]).toBe("m");
    expect(Object.keys(back.metadata)).toEqual(["__proto__"]);
  });

  it("a hand-made header with __proto__ keys loads them as data", () => {
    const text = '{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"__metadata__":{"__proto__":"x"}}';
    const h = new TextEncoder().encode(text);
    const bytes = new Uint8Array(8 + h.length + 4);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(h.length), true);
    bytes.set(h, 8);
    bytes.set(new Uint8Array(new Float32Array([2.5]).buffer), 8 + h.length);
    const back = fl.io.deserialize(bytes);
    expect(back.tensors["__proto__"]!.item()).toBe(2.5);
    expect(back.metadata["__proto__"]).toBe("x");
    expect(back.tensors instanceof Object).toBe(false);
  });

  it("checkpoints keep a model entry named __proto__", () => {
    const file = join(dir, "p.safetensors");
    const model: Record<string, fl.Tensor> = Object.create(null);
    model["__proto__"] = fl.tensor([3]);
    fl.io.saveCheckpoint(file, { model });
    expect(fl.io.loadCheckpoint(file).model["__proto__"]!.item()).toBe(3);
  });
});

describe("save targets, stale temporary files and locks", () => {
  it("a save into a missing directory is refused up front, naming the target (not a temporary file)", () => {
    const file = join(dir, "missing", "ck.safetensors");
    expect(() => fl.io.save(file, { w: fl.tensor([1]) })).toThrow(new RegExp(`cannot write .*ck\\.safetensors: the directory .*missing does not exist`));
    expect(() => fl.io.checkWritableTarget(dir, "train")).toThrow(/it is a directory/);
    expect(() => fl.io.save(file, { w: fl.tensor([1]) })).not.toThrow(/\.tmp/);
  });

  it("a successful save removes temporary files of the same target left by a killed writer, and only those", () => {
    const file = join(dir, "ck.safetensors");
    // a writer that no longer runs: a pid from a process that has exited
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    const stale = `.ck.safetensors.${dead}.abc123.tmp`;
    const live = `.ck.safetensors.${process.ppid}.def456.tmp`; // a running process (our parent) may be mid-write
    const other = `.other.safetensors.${dead}.abc123.tmp`;
    for (const n of [stale, live, other]) writeFileSync(join(dir, n), "partial");
    fl.io.save(file, { w: fl.tensor([1]) });
    expect(readdirSync(dir).sort()).toEqual([live, other, "ck.safetensors"].sort());
  });

  it("a second job on a locked path is refused naming the holder; a lock left by a dead process is taken over", () => {
    const file = join(dir, "ck.safetensors");
    const lock = fl.io.lockFile(file, "train mnist");
    expect(existsSync(`${file}.lock`)).toBe(true);
    expect(() => fl.io.lockFile(file, "train mnist")).toThrow(fl.io.FileLockError);
    // another live process holding it
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: process.ppid, since: "then", what: "train mnist" }));
    expect(() => fl.io.lockFile(file, "train mnist")).toThrow(new RegExp(`ck\\.safetensors is in use: process ${process.ppid} \\(train mnist`));
    const dead = Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString());
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: dead, since: "then", what: "train mnist" }));
    const taken = fl.io.lockFile(file, "train mnist");
    taken.release();
    expect(existsSync(`${file}.lock`)).toBe(false);
    lock.release(); // the first handle no longer owns the file: releasing it removes nothing
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it("an empty or half-written lock file made just now is held (its writer may be mid-write); an old one is taken over", () => {
    const file = join(dir, "ck.safetensors");
    for (const text of ["", '{"pid":']) {
      writeFileSync(`${file}.lock`, text);
      expect(() => fl.io.lockFile(file, "train mnist")).toThrow(fl.io.FileLockError);
      expect(() => fl.io.lockFile(file, "train mnist")).toThrow(/ck\.safetensors is in use: .*ck\.safetensors\.lock is held but does not name its owner yet/);
      expect(readFileSync(`${file}.lock`, "utf8")).toBe(text);
      const old = (Date.now() - 60_000) / 1000;
      utimesSync(`${file}.lock`, old, old);
      const taken = fl.io.lockFile(file, "train mnist");
      expect(JSON.parse(readFileSync(`${file}.lock`, "utf8")).pid).toBe(process.pid);
      taken.release();
      expect(existsSync(`${file}.lock`)).toBe(false);
    }
    // taking the lock leaves no temporary file behind, and the lock is never seen without its owner
    const lock = fl.io.lockFile(file, "train mnist");
    expect(readdirSync(dir)).toEqual(["ck.safetensors.lock"]);
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });
});
