import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as fl from "../../src/index.js";
import { trainMnist, type MnistRunOptions } from "../../src/cli/train-mnist.js";
import { buildProgram } from "../../src/cli.js";
import { DivergenceError } from "../../src/cli/divergence.js";

const tiny: MnistRunOptions = { trainLimit: 96, testLimit: 50, widths: { c1: 4, c2: 8, hidden: 16 }, batch: 32, lr: 0.01, seed: 5, progress: false };

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fundl-guard-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the divergence guard", () => {
  it("an exploding (finite) loss stops the run with a DivergenceError, and the existing checkpoint is not overwritten", async () => {
    const file = join(dir, "explode.safetensors");
    writeFileSync(file, "the last good checkpoint");
    const run = trainMnist({ ...tiny, lr: 1e6, epochs: 2, save: file });
    await expect(run).rejects.toThrow(DivergenceError);
    await expect(trainMnist({ ...tiny, lr: 1e6, epochs: 2, save: file })).rejects.toThrow(
      /train mnist: (the loss .* exceeds 100× its first value|the loss became NaN|the gradient of .* holds) .*at epoch 1, step \d+; training diverged and stopped \(.*explode\.safetensors was not written\)/,
    );
    expect(readFileSync(file, "utf8")).toBe("the last good checkpoint");
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it("a non-finite gradient is caught before the optimiser step", async () => {
    const run = trainMnist({ ...tiny, epochs: 1, afterBackward: (_e, step, model) => {
      if (step === 1) model.parameters()[0]!.grad!.data[3] = Infinity;
    } });
    await expect(run).rejects.toThrow(/the gradient of 1\.weight holds Infinity \(element 3\) at epoch 1, step 2; training diverged/);
  });

  it("finite gradients that overflow Adam's second moment are caught before saving (frozen parameters)", async () => {
    const file = join(dir, "state.safetensors");
    const run = trainMnist({ ...tiny, epochs: 1, save: file, afterBackward: (_e, step, model) => {
      // 1e25 is finite, but (1 − β2)·1e50 overflows float32: exp_avg_sq becomes +Inf
      if (step === 0) model.parameters()[0]!.grad!.data[0] = 1e25;
    } });
    await expect(run).rejects.toThrow(/the optimiser state 0\.exp_avg_sq \(of parameter 1\.weight\) holds Infinity \(element 0\).* at the end of epoch 1/);
    expect(existsSync(file)).toBe(false);
  });

  it("the CLI exits non-zero on divergence", async () => {
    const { main } = await import("../../src/cli.js");
    const err = process.stderr.write.bind(process.stderr);
    const out = process.stdout.write.bind(process.stdout);
    const said: string[] = [];
    process.env.FUNDL_MNIST_SUBSET = "64,32";
    process.stderr.write = ((s: string) => (said.push(String(s)), true)) as typeof process.stderr.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    const console_error = console.error;
    console.error = (s: string) => said.push(s);
    try {
      await main(["node", "fundl", "train", "mnist", "--epochs", "1", "--batch", "16", "--lr", "1e6"]);
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = undefined;
      process.stderr.write = err;
      process.stdout.write = out;
      console.error = console_error;
      delete process.env.FUNDL_MNIST_SUBSET;
      fl.setBackend(fl.listBackends().includes("fast") ? "fast" : "reference");
    }
    expect(said.join("\n")).toMatch(/training diverged and stopped/);
  });
});

describe("resume validates every saved setting", () => {
  it("trainLimit 9000, testLimit \"abc\", augment 1e9, epoch -1 and unknown settings are refused before training", async () => {
    const file = join(dir, "good.safetensors");
    await trainMnist({ ...tiny, epochs: 2, save: file, afterStep: (e) => {
      if (e === 1) throw new Error("stop after epoch 1");
    } }).catch(() => {});
    const ck = fl.io.loadCheckpoint(file);
    const meta = ck.meta as { settings: Record<string, unknown>; epoch: number };
    const tamper = (name: string, change: (m: { settings: Record<string, unknown>; epoch: unknown }) => void): string => {
      const m = structuredClone(meta) as { settings: Record<string, unknown>; epoch: unknown };
      change(m);
      const f = join(dir, `${name}.safetensors`);
      fl.io.saveCheckpoint(f, { ...ck, meta: m as unknown as Record<string, unknown> });
      return f;
    };
    let steps = 0;
    const resume = (f: string) => trainMnist({ resume: f, progress: false, afterStep: () => void steps++ });
    await expect(resume(tamper("a", (m) => (m.settings.trainLimit = 9000)))).rejects.toThrow(/checkpoint .*a\.safetensors: setting "trainLimit" must be null \(all\) or an integer in \[1, 8000\], got 9000/);
    await expect(resume(tamper("b", (m) => (m.settings.testLimit = "abc")))).rejects.toThrow(/setting "testLimit" must be .*, got "abc"/);
    await expect(resume(tamper("c", (m) => (m.settings.augment = 1e9)))).rejects.toThrow(/setting "augment" must be an integer shift in \[0, 13\] pixels, got 1000000000/);
    await expect(resume(tamper("d", (m) => (m.epoch = -1)))).rejects.toThrow(/"epoch" \(epochs done\) must be an integer in \[0, 2\], got -1/);
    await expect(resume(tamper("e", (m) => (m.settings.lr = "0.1")))).rejects.toThrow(/setting "lr" must be a finite number > 0/);
    await expect(resume(tamper("f", (m) => (m.settings.typo = 1)))).rejects.toThrow(/setting "typo" must be one of the known settings/);
    await expect(resume(tamper("g", (m) => (m.settings.widths = { c1: 4, c2: 0, hidden: 16 })))).rejects.toThrow(/setting "widths\.c2" must be an integer in \[1, 4096\]/);
    expect(steps).toBe(0);
    // the untouched checkpoint still resumes
    const ok = await resume(file);
    expect(ok.history.map((h) => h.epoch)).toEqual([1, 2]);
    // and a new run's options get the same checks
    await expect(trainMnist({ ...tiny, trainLimit: 9000, epochs: 1 })).rejects.toThrow(/the options: setting "trainLimit"/);
  });
});

describe("save targets and one trainer per file", () => {
  it("--save into a missing directory fails before training, naming the target", async () => {
    let steps = 0;
    const file = join(dir, "no-such-dir", "ck.safetensors");
    await expect(trainMnist({ ...tiny, epochs: 1, save: file, afterStep: () => void steps++ })).rejects.toThrow(/train mnist --save: cannot write .*ck\.safetensors: the directory .*no-such-dir does not exist/);
    expect(steps).toBe(0);
  });

  it("a second trainer on a path another running trainer holds is refused", async () => {
    const file = join(dir, "shared.safetensors");
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: process.ppid, since: "now", what: "fundl train mnist" }));
    try {
      await expect(trainMnist({ ...tiny, epochs: 1, save: file })).rejects.toThrow(/shared\.safetensors is in use: process \d+ \(fundl train mnist/);
    } finally {
      rmSync(`${file}.lock`);
    }
    // two in one process: the second is refused while the first runs
    const first = trainMnist({ ...tiny, epochs: 1, save: file });
    await expect(trainMnist({ ...tiny, epochs: 1, save: file })).rejects.toThrow(/already locked by this process/);
    await first;
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});

describe("flags of other tasks", () => {
  it("train mnist --cell lstm is an error naming the flag and its task", async () => {
    const p = buildProgram();
    await expect(p.parseAsync(["node", "fundl", "train", "mnist", "--cell", "lstm"])).rejects.toThrow(/train mnist: --cell belongs to the adding task, not to mnist/);
    await expect(buildProgram().parseAsync(["node", "fundl", "train", "mnist", "--steps", "5"])).rejects.toThrow(/--steps belongs to the adding task/);
  });
});
