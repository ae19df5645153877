// The README's "train, save, resume and load in your own code" snippet, run on a slice of the data.
import { afterAll, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as fl from "../../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "fundl-readme-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("the README's own-code training loop, checkpoint, resume and load work as written", async () => {
  const file = join(dir, "mnist.safetensors");
  const EPOCHS = 2;
  const split = await fl.data.mnistSplit();
  const rows = Int32Array.from({ length: 128 }, (_, i) => i);
  const train = split.train.subset(rows);
  const images = split.test.subset(rows.subarray(0, 16)).inputs;

  const widths = { c1: 4, c2: 8, hidden: 16 };
  const loader = new fl.data.DataLoader(train, { batchSize: 64, shuffle: true, seed: 0 });
  const model = fl.models.mnistCnn({ seed: 0, widths });
  const opt = new fl.optim.Adam(model.parameters(), { lr: 2e-3 });
  const sched = new fl.optim.CosineAnnealingLR(opt, { tMax: EPOCHS * loader.length });
  for (let epoch = 0; epoch < 1; epoch++) {
    for (const { x, y } of loader) {
      const loss = fl.crossEntropy(model.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      fl.optim.clipGradNorm_(model.parameters(), 5);
      opt.step();
      sched.step();
    }
    fl.io.saveCheckpoint(file, {
      model: model.stateDict(),
      optimizer: opt.stateDict(),
      meta: { epoch: epoch + 1, loader: loader.stateDict(), scheduler: sched.stateDict() },
    });
  }

  // resume
  const ck = fl.io.loadCheckpoint(file);
  const model2 = fl.models.mnistCnn({ seed: 123, widths });
  const opt2 = new fl.optim.Adam(model2.parameters(), { lr: 2e-3 });
  const loader2 = new fl.data.DataLoader(train, { batchSize: 64, shuffle: true, seed: 0 });
  const sched2 = new fl.optim.CosineAnnealingLR(opt2, { tMax: EPOCHS * loader2.length });
  model2.loadStateDict(ck.model);
  opt2.loadStateDict(ck.optimizer!);
  sched2.loadStateDict(ck.meta!.scheduler as fl.optim.SchedulerState);
  loader2.loadStateDict(ck.meta!.loader as fl.data.DataLoaderState);
  expect(ck.meta!.epoch).toBe(1);
  expect(opt2.lr).toBe(opt.lr);

  // load for inference
  const net = fl.models.mnistCnn({ widths });
  net.loadStateDict(fl.io.loadCheckpoint(file).model);
  net.eval();
  const logits = fl.noGrad(() => net.forward(images));
  const predicted = fl.argmax(logits, 1);
  expect(predicted.shape).toEqual([16]);
  expect(Array.from(logits.data)).toEqual(Array.from(fl.noGrad(() => model.eval().forward(images)).data));
});
