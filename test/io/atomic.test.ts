import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as fl from "../../src/index.js";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "fundl-io-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("atomic save", () => {
  it("save then load round-trips through a file", () => {
    const file = join(dir, "m.safetensors");
    fl.io.save(file, { w: fl.tensor([1, 2, 3, 4], [2, 2]) }, { epoch: "1" });
    const { tensors, metadata } = fl.io.load(file);
    expect(tensors.w!.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(metadata).toEqual({ epoch: "1" });
    expect(readdirSync(dir)).toEqual(["m.safetensors"]);
  });

  it("a crash before the rename leaves the previous file intact (and no temporary file behind)", () => {
    const file = join(dir, "ck.safetensors");
    fl.io.save(file, { w: fl.tensor([1, 2]) }, { epoch: "1" });
    const before = readFileSync(file);
    let tempSeen = "";
    expect(() =>
      fl.io.save(file, { w: fl.tensor([9, 9, 9]) }, { epoch: "2" }, {
        beforeRename: (temp) => {
          tempSeen = temp;
          // the new contents are fully on disk in the temporary file, next to the target
          expect(fl.io.load(temp).metadata).toEqual({ epoch: "2" });
          expect(temp.startsWith(dir)).toBe(true);
          throw new Error("simulated crash");
        },
      }),
    ).toThrow(/simulated crash/);
    expect(tempSeen).not.toBe("");
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(fl.io.load(file).metadata).toEqual({ epoch: "1" });
    expect(readdirSync(dir)).toEqual(["ck.safetensors"]);
  });

  it("replaces the file when the write completes", () => {
    const file = join(dir, "ck.safetensors");
    writeFileSync(file, "old contents");
    fl.io.save(file, { w: fl.tensor([5]) });
    expect(fl.io.load(file).tensors.w!.item()).toBe(5);
  });

  it("a failed write to a missing directory throws and creates nothing", () => {
    expect(() => fl.io.save(join(dir, "no", "such", "x.safetensors"), { w: fl.tensor([1]) })).toThrow(/cannot write .*x\.safetensors: the directory .*such does not exist/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("checkpoints", () => {
  it("carry model, optimiser state and meta, and restore them exactly", () => {
    const file = join(dir, "ck.safetensors");
    const model = new fl.nn.Linear(3, 2, { seed: 1 });
    const opt = new fl.optim.Adam(model.parameters(), { lr: 0.01 });
    const x = fl.randn([4, 3], { seed: 2 });
    const stepOnce = (m: fl.nn.Linear, o: fl.optim.Optimizer) => {
      o.zeroGrad();
      (m.forward(x) as fl.Tensor).square().mean().backward();
      o.step();
    };
    stepOnce(model, opt);
    fl.io.saveCheckpoint(file, { model: model.stateDict(), optimizer: opt.stateDict(), meta: { epoch: 1, loader: { seed: 3, epoch: 1, position: 0 } } });
    stepOnce(model, opt);

    const { tensors, metadata } = fl.io.load(file);
    expect(metadata.format).toBe(fl.io.CHECKPOINT_FORMAT);
    expect(Object.keys(tensors).sort()).toEqual(["bias", "optimizer.state.0.exp_avg", "optimizer.state.0.exp_avg_sq", "optimizer.state.0.step", "optimizer.state.1.exp_avg", "optimizer.state.1.exp_avg_sq", "optimizer.state.1.step", "weight"]);

    const ck = fl.io.loadCheckpoint(file);
    expect(ck.meta).toEqual({ epoch: 1, loader: { seed: 3, epoch: 1, position: 0 } });
    const model2 = new fl.nn.Linear(3, 2, { seed: 99 });
    const opt2 = new fl.optim.Adam(model2.parameters(), { lr: 0.5 });
    model2.loadStateDict(ck.model);
    opt2.loadStateDict(ck.optimizer!);
    stepOnce(model2, opt2);
    expect(Array.from(model2.weight.data)).toEqual(Array.from(model.weight.data));
    expect(Array.from(model2.bias!.data)).toEqual(Array.from(model.bias!.data));
  });

  it("a plain safetensors file is not mistaken for a checkpoint", () => {
    const file = join(dir, "plain.safetensors");
    fl.io.save(file, { w: fl.tensor([1]) });
    expect(() => fl.io.loadCheckpoint(file)).toThrow(/plain\.safetensors: not a fundl checkpoint/);
  });
});
