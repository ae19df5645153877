#!/usr/bin/env node
/**
 * Inference speed of the MNIST CNN: fundl's forward vs the same model exported with
 * fl.onnx.exportBytes and run by onnxruntime-node (CPU), on the same number of threads (default one each).
 *
 *   npm run build && node scripts/bench-onnx.mjs [--repeats 30] [--batches 1,64] [--threads 1]
 *
 * For each batch size the two runners alternate (fundl, ORT, fundl, ORT, …) so that load from
 * other processes falls on both alike; each timing is one forward of the whole batch. Prints
 * min / median / max milliseconds per forward and the ratio of the medians, and checks first
 * that both give the same logits.
 */
import ort from "onnxruntime-node";
import * as fl from "../dist/index.js";

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const repeats = Number(arg("repeats", "30"));
const batches = arg("batches", "1,64").split(",").map(Number);
const threads = Number(arg("threads", "1"));

const stats = (xs) => {
  const s = xs.slice().sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};
const f = (x) => x.toFixed(3);

fl.setThreads(threads);
const model = fl.models.mnistCnn({ seed: 0 }).eval();
const bytes = fl.onnx.exportBytes(model, fl.zeros([1, 1, 28, 28]), { dynamicBatch: true });
const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1 });
console.log(`fundl ${fl.VERSION} (backend ${fl.getBackend()}, ${fl.getThreads()} thread(s)) vs onnxruntime-node (${threads} intra-op thread(s)); model ${bytes.length} bytes; ${repeats} interleaved repeats`);

for (const batch of batches) {
  const x = fl.rand([batch, 1, 28, 28], { seed: batch });
  const feeds = { input: new ort.Tensor("float32", Float32Array.from(x.data), x.shape) };
  const runFundl = () => fl.noGrad(() => model.forward(x));
  const runOrt = async () => (await session.run(feeds)).output;
  // warm-up, and the two agree
  const a = runFundl();
  const b = await runOrt();
  let diff = 0;
  for (let i = 0; i < a.size; i++) diff = Math.max(diff, Math.abs(a.data[i] - b.data[i]));
  const tf = [];
  const to = [];
  for (let r = 0; r < repeats; r++) {
    let t0 = performance.now();
    runFundl();
    tf.push(performance.now() - t0);
    t0 = performance.now();
    await runOrt();
    to.push(performance.now() - t0);
  }
  const sf = stats(tf);
  const so = stats(to);
  console.log(
    `batch ${batch}: fundl ${f(sf.min)} / ${f(sf.median)} / ${f(sf.max)} ms, onnxruntime ${f(so.min)} / ${f(so.median)} / ${f(so.max)} ms (min / median / max); ` +
      `speed-up ${(sf.median / so.median).toFixed(2)}× (medians); max |difference| ${diff.toExponential(1)}`,
  );
}
