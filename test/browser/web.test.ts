/**
 * The web app in Debian's Chromium (playwright-core, never a downloaded browser): every page loads
 * without a console error; the Explorer shows the swap rule; the Lab page's quick results equal
 * the CLI's; a few training steps in a worker run on 2 threads with Node's losses; checkpoints
 * cross between page and Node both ways; a digit drawn on the canvas is classified correctly.
 * Screenshots go to test/browser/screenshots/ (not committed). Without Chromium on PATH the suite
 * is skipped with a notice, unless FUNDL_REQUIRE_BROWSER=1 (CI), where that is a failure.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import * as fl from "../../src/index.js";
import { runLab } from "../../src/lab/index.js";
import { trainMnist } from "../../src/cli/train-mnist.js";
import { imageToStrokes } from "../../web/src/draw.js";
import { loadModel, MnistTrainer, predict } from "../../web/src/train-loop.js";
import { startServer } from "../../src/cli/serve.js";
import { PACKAGE_ROOT } from "../../src/cli/web-build.js";
import { chromiumPath, fromBase64, openPage, SCREENSHOTS, startHarness, toBase64, type Harness } from "./chromium.js";

const exe = chromiumPath();
if (!exe && process.env.FUNDL_REQUIRE_BROWSER === "1") throw new Error("browser tests: no chromium on PATH (apt-get install chromium), and FUNDL_REQUIRE_BROWSER=1");
if (!exe) console.warn("browser tests skipped: no chromium on PATH (apt-get install chromium)");

/** What must agree between the Lab page and the CLI: everything but timings (seconds, rates in …/s). */
function comparable(r: { problems: { measurements?: { unit?: string }[] }[] } & Record<string, unknown>): unknown {
  return {
    ...r,
    seconds: undefined,
    problems: r.problems.map((p) => ({ ...p, seconds: undefined, plots: undefined, measurements: p.measurements?.filter((m) => !/\/s$/.test(m.unit ?? "")) })),
  };
}

const NUMBER = /-?\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi;

/** Whether two numbers agree: to 1e-9 relative, or within 1e-9 when both are under 1e-8 (rounding errors measured by the lab). */
function closeNumbers(a: number, b: number): boolean {
  const d = Math.abs(a - b);
  return d <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)) || (Math.abs(a) < 1e-8 && Math.abs(b) < 1e-8 && d <= 1e-9);
}

/**
 * Paths where `a` and `b` differ: verdicts, names, counts and every other string exactly (numbers
 * printed inside a string by the rule below); numbers bit for bit or, if not, by `closeNumbers`,
 * collecting their paths in `close`. Why not bit for bit everywhere: V8's Math functions differ in
 * the last bit between Chromium 156 and Node 20 (measured: Math.cbrt(2.5) = 1.3572088082974534 vs
 * …532), and the lab's statistics amplify such bits to ~1e-11 relative, and its measurements of
 * rounding error (1e-16…1e-10) in their leading digits. The fast kernels themselves agree exactly.
 */
function differences(a: unknown, b: unknown, path: string, close: string[]): string[] {
  if (typeof a === "number" && typeof b === "number") {
    if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return [];
    if (closeNumbers(a, b)) {
      close.push(path);
      return [];
    }
    return [`${path}: ${a} vs ${b}`];
  }
  if (typeof a === "string" && typeof b === "string" && a !== b) {
    const na = a.match(NUMBER) ?? [];
    const nb = b.match(NUMBER) ?? [];
    const sameText = a.replace(NUMBER, "#") === b.replace(NUMBER, "#");
    if (sameText && na.length === nb.length && na.every((x, i) => closeNumbers(Number(x), Number(nb[i])))) {
      close.push(path);
      return [];
    }
    return [`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`];
  }
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return a === b ? [] : [`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`];
  if (Array.isArray(a) !== Array.isArray(b)) return [`${path}: array vs object`];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => (a as Record<string, unknown>)[k] !== undefined || (b as Record<string, unknown>)[k] !== undefined));
  return [...keys].flatMap((k) => differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, close));
}

const shot = (page: Page, name: string, fullPage = true) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });

describe.skipIf(!exe)("the web app in Chromium", () => {
  let h: Harness;
  const tmp = mkdtempSync(join(tmpdir(), "fundl-browser-"));
  beforeAll(async () => {
    h = await startHarness(exe!);
    fl.setBackend("fast");
    fl.setThreads(2);
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("loads every page without a console error, with every control labelled", async () => {
    for (const path of ["index.html", "explorer.html", "lab.html", "train.html"]) {
      const { page, errors } = await openPage(h, path);
      if (path === "train.html") await page.evaluate(() => window.fundlTrain!.ready);
      await page.waitForLoadState("networkidle");
      const unlabelled = await page.evaluate(() =>
        [...document.querySelectorAll("input, select, button, canvas[tabindex]")]
          .filter((e) => !(e as HTMLInputElement).labels?.length && !e.getAttribute("aria-label") && !(e.textContent ?? "").trim() && !e.closest("label"))
          .map((e) => e.id || e.outerHTML),
      );
      expect(unlabelled, path).toEqual([]);
      expect(await page.evaluate(() => crossOriginIsolated), path).toBe(true);
      await shot(page, path.replace(".html", ""));
      expect(errors, path).toEqual([]);
      await page.close();
    }
  });

  it("Explorer: the swap-rule equations for ck,bk->bc", async () => {
    const { page, errors } = await openPage(h, "explorer.html");
    await page.fill("#spec", "ck,bk->bc");
    await page.fill("#names", "W, x");
    await page.fill("#shapes", "10,4; 3,4");
    await page.press("#shapes", "Enter");
    expect(await page.textContent("#forward-eq")).toBe("y[b,c] += W[c,k]·x[b,k]");
    expect(await page.textContent("#backward-eq")).toBe("W.grad[c,k] += y.grad[b,c]·x[b,k]\nx.grad[b,k] += y.grad[b,c]·W[c,k]");
    expect(await page.textContent("#gradcheck")).toMatch(/^passed/);
    expect(await page.textContent("#work")).toMatch(/forward: 120 multiplies.*backward: 240 multiplies/);
    await shot(page, "explorer-ck-bk");
    // a bad spec is an error on the page, not a console error
    await page.fill("#spec", "ck,bk->bq");
    await page.press("#spec", "Enter");
    expect(await page.getAttribute("#explorer-out", "role")).toBe("alert");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("Lab: the page's quick results equal the CLI's", async () => {
    const { page, errors } = await openPage(h, "lab.html");
    expect(await page.isChecked("#quick")).toBe(true);
    await page.click("#run");
    const cli = JSON.parse(JSON.stringify(await runLab({ quick: true })));
    await page.waitForFunction(() => window.fundlLab !== undefined || document.querySelector("#progress-label.error"), null, { timeout: 150_000 });
    expect(errors).toEqual([]);
    const web = JSON.parse(await page.evaluate(() => window.fundlLab!.results));
    const close: string[] = [];
    expect(differences(comparable(web), comparable(cli), "results", close)).toEqual([]);
    const numbers = (JSON.stringify(comparable(cli)).match(/[:,\[]-?\d[\d.e+-]*(?=[,\]}])/g) ?? []).length;
    console.log(`lab: ${numbers - close.length} of ${numbers} numbers bit-identical to Node's, ${close.length} within the tolerances, e.g. ${close.slice(0, 3).join(", ")}`);
    // the report is the CLI's HTML report, plots included
    const plots = cli.problems.reduce((s: number, p: { plots: unknown[] }) => s + p.plots.length, 0);
    expect(await page.evaluate(() => document.getElementById("report")!.shadowRoot!.querySelectorAll("svg").length)).toBe(plots);
    await shot(page, "lab-report", false);
    await page.close();
  }, 200_000);

  it("Train: steps in a worker on 2 threads give Node's losses, and the saved checkpoint is Node's model", async () => {
    const { page, errors } = await openPage(h, "train.html");
    const info = await page.evaluate(() => window.fundlTrain!.ready as Promise<{ backend: string; threads: number }>);
    expect(info.backend).toBe("fast");
    expect(info.threads).toBe(2);
    const settings = { epochs: 1, batch: 32, lr: 2e-3, seed: 5, trainLimit: 320, testLimit: 100 };
    const steps = 4;
    const t0 = performance.now();
    const webLosses = await page.evaluate(([s, n]) => window.fundlTrain!.train(s, n), [settings, steps] as const);
    const webMs = performance.now() - t0;
    const node = new MnistTrainer(await fl.data.mnistSplit(), settings);
    const nodeLosses: number[] = [];
    const t1 = performance.now();
    await node.run({ maxSteps: steps, onStep: (r) => nodeLosses.push(r.loss) });
    const nodeMs = performance.now() - t1;
    console.log(`train steps (batch ${settings.batch}, ${steps} steps, incl. messaging): Chromium worker ${(webMs / steps).toFixed(0)} ms/step, Node ${(nodeMs / steps).toFixed(0)} ms/step`);
    expect(webLosses).toHaveLength(steps);
    expect(webLosses).toEqual(nodeLosses);
    await shot(page, "train-steps");

    // page → Node: the downloaded file holds exactly the weights Node's run reached
    const saved = fromBase64(await page.evaluate(async () => {
      const b = await window.fundlTrain!.saveBytes();
      let s = "";
      for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
      return btoa(s);
    }));
    const { model } = loadModel(saved, "page.safetensors");
    for (const [k, t] of Object.entries(node.model.stateDict())) expect(model.stateDict()[k]!.data, k).toEqual(t.data);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it("Train: loads a `fundl train mnist --save` checkpoint and classifies digits drawn on the canvas", async () => {
    const file = join(tmp, "mnist.safetensors");
    const cli = await trainMnist({ epochs: 1, batch: 32, trainLimit: 2000, testLimit: 300, widths: { c1: 8, c2: 16, hidden: 64 }, progress: false, save: file });
    const { page, errors } = await openPage(h, "train.html");
    await page.evaluate(() => window.fundlTrain!.ready);
    await page.setInputFiles("#load", file);
    await page.waitForFunction(() => /^Loaded/.test(document.getElementById("model-status")!.textContent ?? ""));
    // Node → page: the page's model predicts exactly what the CLI's model predicts
    const test = (await fl.data.mnistSplit()).test;
    const first = test.batch([0]).x.data as Float32Array;
    const webProbs = await page.evaluate((px) => window.fundlTrain!.predict(Float32Array.from(px)).then((p) => [...p]), [...first]);
    expect(Float32Array.from(webProbs)).toEqual(predict(cli.model, first));

    // held-out digits that the model reads clearly from their pixels (right, with probability ≥ 0.9), redrawn by pointer strokes
    const box = (await page.locator("#digit").boundingBox())!;
    const picked: number[] = [];
    for (let i = 0; picked.length < 3 && i < test.length; i++) {
      const { x, y } = test.batch([i]);
      const p = predict(cli.model, x.data as Float32Array);
      if (p[y[0]!]! >= 0.9 && !picked.some((j) => test.labels[j] === y[0])) picked.push(i);
    }
    for (const i of picked) {
      await page.click("#clear");
      for (const [x0, y0, x1, y1] of imageToStrokes(test.batch([i]).x.data)) {
        await page.mouse.move(box.x + 2 + x0, box.y + 2 + y0);
        await page.mouse.down();
        await page.mouse.move(box.x + 2 + x1, box.y + 2 + y1, { steps: 3 });
        await page.mouse.up();
      }
      const probs = await page.evaluate(() => window.fundlTrain!.predictCanvas().then((p) => (p ? [...p] : null)));
      expect(probs).not.toBeNull();
      expect(probs!.indexOf(Math.max(...probs!)), `held-out digit ${i} (a ${test.labels[i]})`).toBe(test.labels[i]);
      await shot(page, `train-drawn-${test.labels[i]}`);
    }
    expect(errors).toEqual([]);
    expect(readFileSync(file).length).toBeGreaterThan(0);
    await page.close();
  }, 120_000);

  it("fundl's own build runs on a page as plain ES modules, without a bundler", async () => {
    const root = await startServer({ root: PACKAGE_ROOT, port: 0 });
    try {
      const page = await h.browser.newPage();
      const errors: string[] = [];
      page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(root.url + "test/browser/fixtures/no-bundler.html");
      await page.waitForFunction(() => document.getElementById("out")!.textContent !== "running…");
      const out = JSON.parse((await page.textContent("#out"))!);
      const W = fl.randn([3, 4], { seed: 1, requiresGrad: true });
      fl.einsum("ck,bk->bc", W, fl.randn([2, 4], { seed: 2 })).tanh().sum().backward();
      expect(out.grad).toEqual(Array.from(W.grad!.data));
      expect(out.equations).toBe(fl.explainEinsum("ck,bk->bc", ["W", "x"]).text);
      expect(out.backend).toBe("fast");
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await root.close();
    }
  });
});
