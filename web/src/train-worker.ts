/**
 * The Train page's worker: loads the digits asset, starts the fast backend with threads, trains
 * (train-loop.ts) and answers predictions, saves and loads between steps.
 * In:  {type:"init", asset, threads} · {type:"train", settings, maxSteps?} · {type:"stop"} ·
 *      {type:"predict", pixels} · {type:"save"} · {type:"load", bytes} · {type:"sample", index}
 * Every reply carries the request's `id`.
 * Out: {type:"ready", info, testCount} · {type:"step", report} · {type:"epoch", report} ·
 *      {type:"filters", data, count} · {type:"done", losses, ms, stopped} · {type:"probs", probs} ·
 *      {type:"saved", bytes} · {type:"loaded", meta} · {type:"sample", pixels, label} · {type:"error", message, during}
 */
import type * as fl from "../../src/index.js";
import { fetchMnistAsset } from "./mnist-asset.js";
import { startFundl, yieldToEventLoop } from "./fundl-start.js";
import { loadModel, MnistTrainer, predict, splitDigits, type TrainSettings } from "./train-loop.js";

let split: ReturnType<typeof splitDigits> | null = null;
let trainer: MnistTrainer | null = null;
let model: fl.nn.Sequential | null = null;
let stopRequested = false;

function postFilters(m: fl.nn.Sequential): void {
  const w = m.stateDict()["1.weight"];
  if (w) postMessage({ type: "filters", data: Float32Array.from(w.data), count: w.shape[0] });
}

async function handle(m: { type: string; [k: string]: unknown }): Promise<void> {
  // replies carry the request's id, so the page matches each answer to its question
  const reply = (r: Record<string, unknown>) => postMessage({ ...r, id: m.id });
  switch (m.type) {
    case "init": {
      const info = await startFundl(m.threads as number);
      split = splitDigits(await fetchMnistAsset(new URL(m.asset as string, location.href)));
      reply({ type: "ready", info, testCount: split.test.length });
      return;
    }
    case "train": {
      if (!split) throw new Error("the digits are not loaded yet");
      stopRequested = false;
      trainer = new MnistTrainer(split, m.settings as Partial<TrainSettings>);
      model = trainer.model;
      postFilters(model);
      const losses: number[] = [];
      const ms: number[] = [];
      await trainer.run({
        maxSteps: m.maxSteps as number | undefined,
        pause: yieldToEventLoop,
        shouldStop: () => stopRequested,
        onStep: (r) => {
          losses.push(r.loss);
          ms.push(r.ms);
          postMessage({ type: "step", report: r });
          if (r.step % 10 === 0 || r.step === r.steps) postFilters(trainer!.model);
        },
        onEpoch: (r) => postMessage({ type: "epoch", report: r }),
      });
      reply({ type: "done", losses, ms, stopped: stopRequested });
      return;
    }
    case "stop":
      stopRequested = true;
      return;
    case "predict":
      if (!model) throw new Error("no model yet: train one or load a file");
      reply({ type: "probs", probs: predict(model, m.pixels as Float32Array) });
      return;
    case "save":
      if (!trainer) throw new Error("no trained model to save (a loaded model is already a file)");
      reply({ type: "saved", bytes: trainer.save() });
      return;
    case "load": {
      const loaded = loadModel(m.bytes as Uint8Array, (m.name as string) ?? "model file");
      model = loaded.model;
      trainer = null;
      postFilters(model);
      reply({ type: "loaded", meta: loaded.meta });
      return;
    }
    case "sample": {
      if (!split) throw new Error("the digits are not loaded yet");
      const i = (m.index as number) % split.test.length;
      const { x, y } = split.test.batch([i]);
      reply({ type: "sample", pixels: Float32Array.from(x.data), label: y[0], index: i });
      return;
    }
  }
}

self.onmessage = (e: MessageEvent) => {
  const m = e.data as { type: string };
  handle(m).catch((err: unknown) => postMessage({ type: "error", id: (m as { id?: number }).id, during: m.type, message: err instanceof Error ? err.message : String(err) }));
};
