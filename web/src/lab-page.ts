/** Lab page: run the lab in a worker with a progress bar, then show the CLI's HTML report. */
import { download, setupPage, showError } from "./common.js";

setupPage();
const form = document.getElementById("lab-form") as HTMLFormElement;
const quick = document.getElementById("quick") as HTMLInputElement;
const only = document.getElementById("only") as HTMLInputElement;
const run = document.getElementById("run") as HTMLButtonElement;
const threads = document.getElementById("threads") as HTMLInputElement;
const dl = document.getElementById("download") as HTMLButtonElement;
const bar = document.getElementById("progress") as HTMLProgressElement;
const label = document.getElementById("progress-label")!;
const report = document.getElementById("report")!;
const shadow = report.attachShadow({ mode: "open" });
let results = "";

/** What the tests read: the last run's results.json text and backend info. */
declare global {
  interface Window {
    fundlLab?: { results: string; info: unknown; seconds: number };
  }
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  run.disabled = true;
  dl.disabled = true;
  label.classList.remove("error");
  label.setAttribute("role", "status");
  label.textContent = "Starting…";
  bar.value = 0;
  const t0 = performance.now();
  const worker = new Worker(new URL("./lab-worker.ts", import.meta.url), { type: "module" });
  const ids = only.value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  worker.onmessage = (ev: MessageEvent) => {
    const m = ev.data as { type: string; done: number; total: number; label: string; results: string; html: string; message: string; info: unknown };
    if (m.type === "progress") {
      bar.max = m.total;
      bar.value = m.done;
      label.textContent = `${m.done}/${m.total} — ${m.label}`;
    } else if (m.type === "done") {
      const seconds = (performance.now() - t0) / 1000;
      results = m.results;
      // the report is a whole HTML document with its own style sheet: keep that style inside a shadow root
      shadow.innerHTML = m.html;
      label.textContent = `Done in ${seconds.toFixed(1)} s.`;
      window.fundlLab = { results, info: m.info, seconds };
      run.disabled = false;
      dl.disabled = false;
      worker.terminate();
    } else if (m.type === "error") {
      showError(label, `The lab failed: ${m.message}`);
      run.disabled = false;
      worker.terminate();
    }
  };
  worker.onerror = (ev) => {
    showError(label, `The lab worker failed: ${ev.message}`);
    run.disabled = false;
  };
  worker.postMessage({ type: "run", quick: quick.checked, only: ids.length ? ids : undefined, threads: Math.max(1, Math.min(Number(threads.value) || 1, navigator.hardwareConcurrency || 1)) });
});
dl.addEventListener("click", () => download("results.json", results, "application/json"));
