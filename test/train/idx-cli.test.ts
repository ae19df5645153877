// `fundl train mnist --data DIR` and `fundl train fashion-mnist --data DIR` on a tiny IDX split
// written here (40 train / 7 test images of 28×28), and the error when the files are missing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import * as fl from "../../src/index.js";
import { buildProgram } from "../../src/cli.js";
import { trainMnist } from "../../src/cli/train-mnist.js";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fundl-idx-cli-"));
  const g = new fl.Generator(1);
  const images = (n: number) => fl.data.encodeIdx({ shape: [n, 28, 28], data: Uint8Array.from({ length: n * 784 }, () => g.int(256)) });
  const labels = (n: number) => fl.data.encodeIdx({ shape: [n], data: Uint8Array.from({ length: n }, (_, i) => i % 10) });
  writeFileSync(join(dir, "train-images-idx3-ubyte.gz"), gzipSync(images(40)));
  writeFileSync(join(dir, "train-labels-idx1-ubyte.gz"), gzipSync(labels(40)));
  writeFileSync(join(dir, "t10k-images-idx3-ubyte"), images(7));
  writeFileSync(join(dir, "t10k-labels-idx1-ubyte"), labels(7));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run the CLI, returning the parsed JSON last line of standard output. */
async function runCli(args: string[]): Promise<Record<string, number | string>> {
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    await buildProgram().parseAsync(["node", "fundl", ...args]);
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
    fl.setBackend(fl.listBackends().includes("fast") ? "fast" : "reference");
  }
  return JSON.parse(out.join("").trim().split("\n").pop()!);
}

describe("training from IDX files", () => {
  it("train mnist --data DIR trains and tests on the folder's images", async () => {
    const r = await runCli(["train", "mnist", "--data", dir, "--epochs", "1", "--batch", "20", "--json"]);
    expect(r.task).toBe("mnist");
    // the accuracy is a count out of the folder's 7 test images, not the bundled 2,000
    expect(Math.abs((r.testAccuracy as number) * 7 - Math.round((r.testAccuracy as number) * 7))).toBeLessThan(1e-9);
    expect(r.imagesPerSecond).toBeGreaterThan(0);
  });

  it("train fashion-mnist --data DIR ends with testAccuracy, seconds and images/s, and saves the Fashion CNN", async () => {
    const file = join(dir, "fashion.safetensors");
    const r = await runCli(["train", "fashion-mnist", "--data", dir, "--epochs", "1", "--batch", "20", "--json", "--save", file]);
    expect(r.task).toBe("fashion-mnist");
    expect(Object.keys(r)).toEqual(["task", "epochs", "testAccuracy", "seconds", "trainSeconds", "imagesPerSecond"]);
    expect(Math.abs((r.testAccuracy as number) * 7 - Math.round((r.testAccuracy as number) * 7))).toBeLessThan(1e-9);
    expect(r.seconds).toBeGreaterThanOrEqual(r.trainSeconds as number);
    const ck = fl.io.loadCheckpoint(file);
    expect(ck.model["0.mean"]!.item()).toBeCloseTo(fl.models.FASHION_MNIST_MEAN, 6);
    const net = fl.models.fashionCnn();
    net.loadStateDict(ck.model);
  });

  it("a checkpoint of one task is refused by the other's --resume, naming both", async () => {
    const fashion = join(dir, "fashion-for-mnist.safetensors");
    await runCli(["train", "fashion-mnist", "--data", dir, "--epochs", "1", "--batch", "40", "--json", "--save", fashion]);
    expect(fl.io.loadCheckpoint(fashion).meta.task).toBe("fashion-mnist");
    await expect(runCli(["train", "mnist", "--data", dir, "--epochs", "2", "--json", "--resume", fashion])).rejects.toThrow(
      /train mnist: .*fashion-for-mnist\.safetensors is a checkpoint of fashion-mnist, not of mnist/,
    );
    const mnist = join(dir, "mnist-for-fashion.safetensors");
    await runCli(["train", "mnist", "--data", dir, "--epochs", "1", "--batch", "40", "--json", "--save", mnist]);
    expect(fl.io.loadCheckpoint(mnist).meta.task).toBe("mnist");
    await expect(runCli(["train", "fashion-mnist", "--data", dir, "--epochs", "2", "--json", "--resume", mnist])).rejects.toThrow(
      /train fashion-mnist: .*mnist-for-fashion\.safetensors is a checkpoint of mnist, not of fashion-mnist/,
    );
  });

  it("a fashion-mnist run's messages name fashion-mnist, not mnist", async () => {
    await expect(runCli(["train", "fashion-mnist", "--data", dir, "--save", join(dir, "no-such-dir", "f.safetensors")])).rejects.toThrow(/^train fashion-mnist --save: cannot write/);
    const file = join(dir, "held.safetensors");
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: process.ppid, since: "now", what: "x" }));
    await expect(runCli(["train", "fashion-mnist", "--data", dir, "--epochs", "1", "--save", file])).rejects.toThrow(/held\.safetensors is in use/);
    rmSync(`${file}.lock`);
    // the lock a fashion run takes names it
    const split = await fl.data.loadIdxSplit(dir);
    const seen: string[] = [];
    await trainMnist({ task: "fashion-mnist", split, epochs: 1, batch: 40, progress: false, save: file, afterStep: () => void seen.push(readFileSync(`${file}.lock`, "utf8")) });
    expect(JSON.parse(seen[0]!).what).toBe("fundl train fashion-mnist");
    // settings checks, resume refusals and the divergence guard name the task
    await expect(trainMnist({ task: "fashion-mnist", split, trainLimit: 9000, epochs: 1, batch: 40, progress: false })).rejects.toThrow(/^train fashion-mnist: the options: setting "trainLimit"/);
    await expect(trainMnist({ task: "fashion-mnist", split, resume: file, progress: false })).rejects.toThrow(/^train fashion-mnist: .*already finished all 1 epochs/);
    await expect(trainMnist({ task: "fashion-mnist", split, resume: file, batch: 7, progress: false })).rejects.toThrow(/^train fashion-mnist: --batch 7 disagrees/);
    await expect(trainMnist({ task: "fashion-mnist", split, epochs: 1, batch: 40, progress: false, afterBackward: (_e, _s, model) => {
      model.parameters()[0]!.grad!.data[0] = NaN;
    } })).rejects.toThrow(/^train fashion-mnist: the gradient of/);
  });

  it("a folder without the files: the error says how to get them", async () => {
    await expect(runCli(["train", "fashion-mnist", "--data", join(dir, "empty")])).rejects.toThrow(/Fashion-MNIST: .*empty lacks train-images-idx3-ubyte\[\.gz\].*apt-get install dataset-fashion-mnist/);
    await expect(runCli(["train", "mnist", "--data", join(dir, "empty")])).rejects.toThrow(/MNIST: .*empty lacks .*leave --data out to train on the bundled 10,000 digits/);
  });
});
