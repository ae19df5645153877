import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as fl from "../../src/index.js";
import { trainMnist, type MnistRunOptions } from "../../src/cli/train-mnist.js";
import { buildProgram } from "../../src/cli.js";

// A tiny run: 256 training digits, 100 test digits, a narrow CNN, batches of 32.
const tiny: MnistRunOptions = { trainLimit: 256, testLimit: 100, widths: { c1: 4, c2: 8, hidden: 16 }, dropout: 0.25, batch: 32, lr: 0.01, seed: 5, progress: false };

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fundl-train-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const weights = (m: fl.nn.Module) => Object.entries(m.stateDict()).map(([k, t]) => [k, Array.from(t.data)] as const);

describe("fundl train mnist", () => {
  it("learns, and 1 epoch + resume 1 gives bit-identical weights and optimiser state to 2 epochs straight", async () => {
    const straight = await trainMnist({ ...tiny, epochs: 2 });
    expect(straight.history.map((h) => h.epoch)).toEqual([1, 2]);
    // it learns: the loss falls below ln 10 ≈ 2.303 (chance) and keeps falling
    expect(straight.history[1]!.trainLoss).toBeLessThan(Math.min(straight.history[0]!.trainLoss, Math.log(10)) - 0.03);
    expect(straight.history[1]!.trainAccuracy).toBeGreaterThan(0.2);

    const file = join(dir, "ck.safetensors");
    const first = await trainMnist({ ...tiny, epochs: 2, afterStep: (e) => { if (e === 1) throw new Error("stop after epoch 1"); }, save: file }).catch((e: Error) => e);
    expect(first).toBeInstanceOf(Error);
    const ck = fl.io.loadCheckpoint(file);
    expect((ck.meta as { epoch: number }).epoch).toBe(1);
    const resumed = await trainMnist({ resume: file, progress: false });
    expect(resumed.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(weights(resumed.model)).toEqual(weights(straight.model));
    const a = resumed.optimizer.stateDict();
    const b = straight.optimizer.stateDict();
    expect(Object.keys(a.state)).toEqual(Object.keys(b.state));
    for (const k of Object.keys(a.state)) expect(Array.from(a.state[k]!.data)).toEqual(Array.from(b.state[k]!.data));
    expect(resumed.testAccuracy).toBe(straight.testAccuracy);
    expect(resumed.optimizer.lr).toBe(straight.optimizer.lr);
  });

  it("refuses a resume whose flags disagree with the checkpoint, and a finished run", async () => {
    const file = join(dir, "one.safetensors");
    await trainMnist({ ...tiny, trainLimit: 64, epochs: 1, save: file });
    await expect(trainMnist({ resume: file, batch: 16, progress: false })).rejects.toThrow(/--batch 16 disagrees with .*one\.safetensors, which was trained with 32/);
    await expect(trainMnist({ resume: file, progress: false })).rejects.toThrow(/already finished all 1 epochs/);
  });

  it("stops on a NaN loss naming epoch and step, leaving the last good checkpoint as it was", async () => {
    const file = join(dir, "nan.safetensors");
    const run = trainMnist({
      ...tiny,
      trainLimit: 96,
      epochs: 3,
      save: file,
      afterStep: (epoch, step, model) => {
        // the last layer's bias: NaN reaches the logits (a NaN in the first conv can vanish through ReLU and max pooling)
        if (epoch === 1 && step === 1) (model.parameters().at(-1)!.data as Float32Array).fill(NaN);
      },
    });
    await expect(run).rejects.toThrow(/the loss became NaN at epoch 2, step 3; training diverged and stopped \(.*nan\.safetensors still holds epoch 1, the last good one\)/);
    expect((fl.io.loadCheckpoint(file).meta as { epoch: number }).epoch).toBe(1);
    const ck = fl.io.loadCheckpoint(file);
    for (const t of Object.values(ck.model)) expect(t.data.every(Number.isFinite)).toBe(true);
  });

  it("the CLI ends with the JSON line and writes a checkpoint", async () => {
    const file = join(dir, "cli.safetensors");
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const writeErr = process.stderr.write.bind(process.stderr);
    process.env.FUNDL_MNIST_SUBSET = "64,50";
    process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      await buildProgram().parseAsync(["node", "fundl", "train", "mnist", "--epochs", "1", "--batch", "32", "--json", "--save", file]);
    } finally {
      process.stdout.write = write;
      process.stderr.write = writeErr;
      delete process.env.FUNDL_MNIST_SUBSET;
      fl.setBackend(fl.listBackends().includes("fast") ? "fast" : "reference");
    }
    const last = JSON.parse(out.join("").trim().split("\n").pop()!);
    expect(Object.keys(last)).toEqual(["task", "epochs", "testAccuracy", "trainSeconds", "imagesPerSecond"]);
    expect(last.task).toBe("mnist");
    expect(last.epochs).toBe(1);
    expect(last.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(last.imagesPerSecond).toBeGreaterThan(0);
    const { tensors } = fl.io.load(file);
    expect(tensors["1.weight"]!.shape).toEqual([32, 1, 3, 3]);
    expect(tensors["8.weight"]!.shape).toEqual([128, 3136]);
    expect(tensors["0.mean"]!.item()).toBeCloseTo(0.1307, 6);
    expect(readFileSync(file).length).toBeGreaterThan(4 * 3136 * 128);
  });
});
