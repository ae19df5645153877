/**
 * Train page: drives train-worker.ts. Live loss/accuracy curves, images/s, first-layer filters,
 * a drawing canvas with class probabilities, model download/upload. `window.fundlTrain` offers the
 * same actions as promises (the browser tests use it).
 */
import { download, h, setupPage, showError } from "./common.js";
import { lineChart } from "./chart.js";
import { attachDrawing, canvasToImage, clearCanvas, drawStrokes, imageToStrokes } from "./draw.js";
import type { EpochReport, StepReport, TrainSettings } from "./train-loop.js";
import { MNIST_ASSET } from "./paths.js";

setupPage();
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>("train-form");
const trainBtn = $<HTMLButtonElement>("train");
const stopBtn = $<HTMLButtonElement>("stop");
const saveBtn = $<HTMLButtonElement>("save");
const status = $("train-status");
const canvas = $<HTMLCanvasElement>("digit");
const num = (id: string) => Number($<HTMLInputElement>(id).value);

const worker = new Worker(new URL("./train-worker.ts", import.meta.url), { type: "module" });
type Msg = { type: string; [k: string]: unknown };
const waiting = new Map<number, { resolve: (m: Msg) => void; reject: (e: Error) => void }>();
let nextId = 1;
/** Send a request and wait for the worker's reply to it (replies carry the request's id). */
function ask(m: Msg, transfer: Transferable[] = []): Promise<Msg> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    worker.postMessage({ ...m, id }, transfer);
  });
}

let lossPoints: [number, number][] = [];
let accPoints: [number, number][] = [];
let testPoints: [number, number][] = [];
let stepsPerEpoch = 1;
let lastDraw = 0;
let modelReady = false;

function drawCharts(): void {
  lineChart($("loss-chart"), "training loss (per step)", "epoch", [{ name: "loss", color: "#0b5394", points: lossPoints }]);
  lineChart($("acc-chart"), "accuracy", "epoch", [
    { name: "train (running)", color: "#0b5394", points: accPoints },
    { name: "held-out", color: "#b45309", points: testPoints },
  ], [0, 1]);
}

function drawFilters(data: Float32Array, count: number): void {
  const host = $("filters");
  host.replaceChildren();
  for (let f = 0; f < count; f++) {
    const w = data.subarray(f * 9, f * 9 + 9);
    const m = Math.max(1e-6, ...Array.from(w, Math.abs));
    const c = h("canvas", { width: "3", height: "3", style: "width:36px;height:36px" });
    const ctx = c.getContext("2d")!;
    const img = ctx.createImageData(3, 3);
    // diverging colours: positive weights orange, negative blue, zero white
    for (let i = 0; i < 9; i++) {
      const v = w[i]! / m;
      const [r, g, b] = v >= 0 ? [255, 255 - 120 * v, 255 - 255 * v] : [255 + 230 * v, 255 + 140 * v, 255];
      img.data.set([r, g, b, 255], i * 4);
    }
    ctx.putImageData(img, 0, 0);
    host.append(c);
  }
}

function showProbs(probs: Float32Array): void {
  const table = $("probs");
  table.replaceChildren(h("tr", {}, h("th", { scope: "col" }, "digit"), h("th", { scope: "col" }, "probability"), h("th", { scope: "col" }, "")));
  let best = 0;
  probs.forEach((p, i) => {
    if (p > probs[best]!) best = i;
    table.append(h("tr", {}, h("td", {}, String(i)), h("td", {}, `${(100 * p).toFixed(1)}%`), h("td", { style: "text-align:left" }, h("span", { class: "bar", style: `width:${Math.round(120 * p)}px` }))));
  });
  $("prediction").textContent = `${best} (${(100 * probs[best]!).toFixed(1)}%)`;
}

async function predictCanvas(): Promise<Float32Array | null> {
  const img = canvasToImage(canvas);
  if (!img) return null;
  if (!modelReady) {
    $("prediction").textContent = "train or load a model first";
    return null;
  }
  const r = await ask({ type: "predict", pixels: img });
  const probs = r.probs as Float32Array;
  showProbs(probs);
  return probs;
}

worker.onmessage = (e: MessageEvent<Msg>) => {
  const m = e.data;
  if (m.type === "step") {
    const r = m.report as StepReport;
    stepsPerEpoch = r.steps;
    const x = r.epoch - 1 + r.step / r.steps;
    lossPoints.push([x, r.loss]);
    accPoints.push([x, r.accuracy]);
    const now = performance.now();
    if (now - lastDraw > 250 || r.step === r.steps) {
      lastDraw = now;
      drawCharts();
      $("ips").textContent = Math.round(r.imagesPerSecond).toLocaleString("en");
      status.textContent = `epoch ${r.epoch}, step ${r.step}/${r.steps}: loss ${r.meanLoss.toFixed(4)}, accuracy ${(100 * r.accuracy).toFixed(1)}%`;
    }
  } else if (m.type === "epoch") {
    const r = m.report as EpochReport;
    testPoints.push([r.epoch, r.testAccuracy]);
    $("test-acc").textContent = `${(100 * r.testAccuracy).toFixed(1)}% after epoch ${r.epoch}`;
    drawCharts();
  } else if (m.type === "filters") {
    drawFilters(m.data as Float32Array, m.count as number);
  }
  const w = typeof m.id === "number" ? waiting.get(m.id) : undefined;
  if (w) {
    waiting.delete(m.id as number);
    if (m.type === "error") w.reject(new Error(m.message as string));
    else w.resolve(m);
  } else if (m.type === "error") showError(status, `Error (${m.during as string}): ${m.message as string}`);
};

const threads = Math.min(num("threads"), navigator.hardwareConcurrency || 1);
const ready = ask({ type: "init", asset: new URL(MNIST_ASSET, location.href).href, threads }).then((m) => {
  const info = m.info as { backend: string; threads: number; wasm: { relaxedSimd: boolean } };
  status.textContent = `Ready: ${(m.testCount as number).toLocaleString("en")} held-out digits; backend ${info.backend}, ${info.threads} thread${info.threads === 1 ? "" : "s"}${crossOriginIsolated ? "" : " (this page is not cross-origin isolated, so one thread)"}.`;
  trainBtn.disabled = false;
  return info;
});
trainBtn.disabled = true;
ready.catch((err: Error) => showError(status, `Could not start: ${err.message}`));

async function train(settings: Partial<TrainSettings>, maxSteps?: number): Promise<number[]> {
  return (await trainTimed(settings, maxSteps)).losses;
}

async function trainTimed(settings: Partial<TrainSettings>, maxSteps?: number): Promise<{ losses: number[]; ms: number[] }> {
  await ready;
  lossPoints = [];
  accPoints = [];
  testPoints = [];
  trainBtn.disabled = true;
  stopBtn.disabled = false;
  saveBtn.disabled = true;
  modelReady = true;
  try {
    const done = await ask({ type: "train", settings, maxSteps });
    status.textContent = `${done.stopped ? "Stopped" : "Finished"} after ${lossPoints.length} steps (${stepsPerEpoch} per epoch). ${status.textContent ?? ""}`;
    return { losses: done.losses as number[], ms: done.ms as number[] };
  } catch (err) {
    showError(status, `Training failed: ${(err as Error).message}`);
    throw err;
  } finally {
    trainBtn.disabled = false;
    stopBtn.disabled = true;
    saveBtn.disabled = false;
  }
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  const limit = num("limit");
  void train({ epochs: num("epochs"), batch: num("batch"), lr: num("lr"), seed: num("seed"), trainLimit: limit >= 8000 ? null : limit }).catch(() => {});
});
stopBtn.addEventListener("click", () => worker.postMessage({ type: "stop" }));

async function saveBytes(): Promise<Uint8Array> {
  return (await ask({ type: "save" })).bytes as Uint8Array;
}
saveBtn.addEventListener("click", () => {
  saveBytes().then((b) => download("fundl-mnist.safetensors", b as BlobPart), (err: Error) => showError($("model-status"), err.message));
});

async function loadBytes(bytes: Uint8Array, name = "model file"): Promise<unknown> {
  const m = await ask({ type: "load", bytes, name });
  modelReady = true;
  const meta = m.meta as { epoch?: number; history?: { testAccuracy: number }[] } | null;
  const acc = meta?.history?.at(-1)?.testAccuracy;
  $("model-status").textContent = `Loaded ${name}${meta?.epoch ? ` (trained ${meta.epoch} epoch${meta.epoch === 1 ? "" : "s"}${acc !== undefined ? `, held-out accuracy ${(100 * acc).toFixed(1)}%` : ""})` : ""}.`;
  $("model-status").classList.remove("error");
  saveBtn.disabled = true;
  await predictCanvas();
  return m.meta;
}
$<HTMLInputElement>("load").addEventListener("change", (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (!file) return;
  file.arrayBuffer().then((b) => loadBytes(new Uint8Array(b), file.name)).catch((err: Error) => showError($("model-status"), `Could not load ${file.name}: ${err.message}`));
});

attachDrawing(canvas, () => void predictCanvas().catch((err: Error) => showError(status, err.message)), () => ($("prediction").textContent = "–"));
$("clear").addEventListener("click", () => {
  clearCanvas(canvas);
  $("prediction").textContent = "–";
  $("probs").replaceChildren();
});
let sampleIndex = 0;
$("sample").addEventListener("click", () => {
  void ask({ type: "sample", index: sampleIndex++ }).then((m) => {
    clearCanvas(canvas);
    drawStrokes(canvas, imageToStrokes(m.pixels as Float32Array));
    return predictCanvas();
  });
});
drawCharts();

declare global {
  interface Window {
    fundlTrain?: {
      ready: Promise<unknown>;
      train: typeof train;
      /** Train and return each step's loss and time (ms). */
      trainTimed: (settings: Partial<TrainSettings>, maxSteps?: number) => Promise<{ losses: number[]; ms: number[] }>;
      saveBytes: typeof saveBytes;
      loadBytes: typeof loadBytes;
      predictCanvas: typeof predictCanvas;
      predict: (pixels: Float32Array) => Promise<Float32Array>;
      sample: (index: number) => Promise<{ pixels: Float32Array; label: number }>;
    };
  }
}
window.fundlTrain = {
  ready,
  train,
  trainTimed,
  saveBytes,
  loadBytes,
  predictCanvas,
  predict: async (pixels) => (await ask({ type: "predict", pixels })).probs as Float32Array,
  sample: async (index) => {
    const m = await ask({ type: "sample", index });
    return { pixels: m.pixels as Float32Array, label: m.label as number };
  },
};
