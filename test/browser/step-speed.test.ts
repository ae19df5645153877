/**
 * A measurement, not a test (skipped unless FUNDL_MEASURE_STEP=1): the MNIST CNN's training step
 * (batch 64, fundl train mnist's model, Adam) in a Chromium Web Worker on 2 threads against Node on
 * 2 threads, interleaved rounds, medians of the per-step times after a warm-up. Nothing is asserted
 * about time; it prints the figures for the README's note.
 *   FUNDL_MEASURE_STEP=1 npx vitest run test/browser/step-speed.test.ts
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";
import { MnistTrainer } from "../../web/src/train-loop.js";
import { chromiumPath, openPage, startHarness, type Harness } from "./chromium.js";

const exe = chromiumPath();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe.skipIf(!exe || process.env.FUNDL_MEASURE_STEP !== "1")("MNIST step speed: Chromium worker vs Node", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(exe!);
    await fl.ready({ threads: 2 });
  }, 180_000);
  afterAll(async () => h?.close());

  it("measures", async () => {
    const { page } = await openPage(h, "train.html");
    const info = await page.evaluate(() => window.fundlTrain!.ready as Promise<{ threads: number }>);
    const split = await fl.data.mnistSplit();
    const settings = { epochs: 1, batch: 64, lr: 2e-3, seed: 0, trainLimit: 64 * 12 };
    const rounds = Number(process.env.FUNDL_MEASURE_ROUNDS ?? 3);
    const web: number[] = [];
    const node: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const w = await page.evaluate((s) => window.fundlTrain!.trainTimed(s), settings);
      web.push(...w.ms.slice(2));
      const n: number[] = [];
      await new MnistTrainer(split, settings).run({ onStep: (s) => n.push(s.ms) });
      node.push(...n.slice(2));
    }
    const stats = (xs: number[]) => `min ${Math.min(...xs).toFixed(1)} / median ${median(xs).toFixed(1)} / max ${Math.max(...xs).toFixed(1)} ms (${xs.length} steps)`;
    console.log(`MNIST step, batch 64, ${info.threads} threads: Chromium worker ${stats(web)}; Node ${stats(node)}; median ratio Chromium/Node ${(median(web) / median(node)).toFixed(2)}`);
    expect(info.threads).toBe(2);
  }, 600_000);
});
