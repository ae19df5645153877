/**
 * The web app's training run equals `fundl train mnist` (same losses, accuracies and checkpoint
 * layout), and its explorer's numbers come from fundl; all in Node, no browser.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";
import { trainMnist } from "../../src/cli/train-mnist.js";
import { explore, parseShapes } from "../../web/src/explore.js";
import { loadModel, MnistTrainer } from "../../web/src/train-loop.js";

const tmp = mkdtempSync(join(tmpdir(), "fundl-web-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const small = { epochs: 2, batch: 32, lr: 3e-3, seed: 3, trainLimit: 96, testLimit: 64, widths: { c1: 4, c2: 8, hidden: 16 } };

describe("the Train page's run", () => {
  it("gives the CLI's epoch losses and accuracies, and a checkpoint the CLI resumes and the page loads", async () => {
    const cliFile = join(tmp, "cli.safetensors");
    const cli = await trainMnist({ ...small, progress: false, save: cliFile });
    const web = new MnistTrainer(await fl.data.mnistSplit(), small);
    const steps: number[] = [];
    const history = await web.run({ onStep: (r) => steps.push(r.loss) });
    expect(steps.length).toBe(2 * 3);
    expect(history.map((h) => [h.trainLoss, h.trainAccuracy, h.testAccuracy])).toEqual(cli.history.map((h) => [h.trainLoss, h.trainAccuracy, h.testAccuracy]));

    // the page's file is a checkpoint of the CLI's layout: the CLI reads it as its own
    const webFile = join(tmp, "web.safetensors");
    fl.io.atomicWriteFileSync(webFile, web.save());
    const ck = fl.io.loadCheckpoint(webFile);
    expect(Object.keys(ck.model).sort()).toEqual(Object.keys(cli.model.stateDict()).sort());
    for (const [k, t] of Object.entries(cli.model.stateDict())) expect(ck.model[k]!.data).toEqual(t.data);
    await expect(trainMnist({ resume: webFile, progress: false })).rejects.toThrow(/already finished all 2 epochs/);

    // and the page loads the CLI's checkpoint into a model that predicts as the CLI's
    const { model, meta } = loadModel(fl.io.serialize(fl.io.load(cliFile).tensors, fl.io.load(cliFile).metadata), "cli.safetensors");
    expect(meta?.epoch).toBe(2);
    const x = (await fl.data.mnistSplit()).test.batch([0, 1, 2]).x;
    cli.model.eval();
    model.eval();
    expect(fl.noGrad(() => model.forward(x) as fl.Tensor).data).toEqual(fl.noGrad(() => cli.model.forward(x) as fl.Tensor).data);
  });

  it("refuses a file that is not the MNIST CNN, naming what it found", () => {
    const bytes = fl.io.serialize({ w: fl.zeros([3, 3]) });
    expect(() => loadModel(bytes, "other.safetensors")).toThrow(/other.safetensors: not fundl's MNIST CNN \(expected 2 convolution and 2 dense weights, found 0 and 0\)/);
  });
});

describe("the Explorer's numbers", () => {
  it("shows the course's swap-rule equations for ck,bk->bc and counts the forward's and backward's multiplies", () => {
    const r = explore("ck,bk->bc", parseShapes("10,4; 3,4"), ["W", "x"]);
    expect(r.forward).toBe("y[b,c] += W[c,k]·x[b,k]");
    expect(r.backward).toEqual(["W.grad[c,k] += y.grad[b,c]·x[b,k]", "x.grad[b,k] += y.grad[b,c]·W[c,k]"]);
    expect(r.outputShape).toEqual([3, 10]);
    expect(r.gradcheck.ok).toBe(true);
    // forward: b·c·k products; backward: the same count for each of the two swapped einsums
    expect(r.work.forward.multiplies).toBe(3 * 10 * 4);
    expect(r.work.backward.multiplies).toBe(2 * 3 * 10 * 4);
  });

  it("passes fundl's own errors through for a bad spec or shapes", () => {
    expect(() => parseShapes("3,a")).toThrow(/operand 1 has size "a"/);
    expect(() => explore("ij,jk->ik", parseShapes("2,3; 4,5"))).toThrow(/j/);
  });
});
