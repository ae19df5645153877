// The pool starts under every way Node can load fundl: an ES-module parent (`--input-type=module`,
// also through NODE_OPTIONS), `--experimental-default-type=module`, a CommonJS script, and inside a
// worker_threads Worker. Before the fix, an eval'd kernel worker inherited the parent's module type,
// failed with "self is not defined" after a 10 s stall, and fundl ran on one thread (Node 20.20: the
// --input-type cases and the Worker failed so; --experimental-default-type and CommonJS did not, and
// guard against regressions). These run the built output (the test script builds first).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url).pathname;

// Times a 512² matmul (the first op, which starts the pool) and prints what backendInfo says.
const esm = `import * as fl from "fundl";
fl.setThreads(2);
const t0 = performance.now();
fl.matmul(fl.ones([512, 512]), fl.ones([512, 512]));
console.log(JSON.stringify({ ms: performance.now() - t0, info: fl.backendInfo() }));`;
const cjs = `import("fundl").then((fl) => {
  fl.setThreads(2);
  const t0 = performance.now();
  fl.matmul(fl.ones([512, 512]), fl.ones([512, 512]));
  console.log(JSON.stringify({ ms: performance.now() - t0, info: fl.backendInfo() }));
});`;
// An ES-module parent that runs the ESM script inside a worker_threads Worker (which inherits --input-type=module).
const inWorker = `import { Worker } from "node:worker_threads";
const w = new Worker(${JSON.stringify(esm.replace('import * as fl from "fundl";', 'const fl = await import("fundl");'))}, { eval: true });
w.on("error", (e) => { console.error(String(e)); process.exit(1); });`;

const execFileAsync = promisify(execFile);

async function run(args: string[], env: Record<string, string> = {}): Promise<{ ms: number; threads: number; stderr: string }> {
  const { stdout, stderr } = await execFileAsync(process.execPath, args, { cwd: root, encoding: "utf8", env: { ...process.env, ...env }, timeout: 60_000 });
  const lines = stdout.trim().split("\n");
  const last = JSON.parse(lines[lines.length - 1]!) as { ms: number; info: { threads: number } };
  return { ms: last.ms, threads: last.info.threads, stderr };
}

// `await fl.ready()` at the top level of an ES module: the wait must keep the process alive.
const awaitReady = `import * as fl from "fundl";
const t0 = performance.now();
const info = await fl.ready({ threads: 2 });
fl.matmul(fl.ones([512, 512]), fl.ones([512, 512]));
console.log(JSON.stringify({ ms: performance.now() - t0, info }));`;

const modes: Array<[string, string[], Record<string, string>?]> = [
  ["a top-level await fl.ready() in an ES module", ["--input-type=module", "-e", awaitReady]],
  ["--input-type=module", ["--input-type=module", "-e", esm]],
  ["NODE_OPTIONS=--input-type=module", ["-e", cjs], { NODE_OPTIONS: "--input-type=module" }],
  ["--experimental-default-type=module", ["--experimental-default-type=module", "-e", esm]],
  ["a CommonJS script", ["-e", cjs]],
  ["a worker_threads Worker of an ES-module parent", ["--input-type=module", "-e", inWorker]],
];

describe.concurrent("the pool starts however Node loads fundl", () => {
  for (const [name, args, env] of modes) {
    it(`under ${name}: two threads, no warning`, async () => {
      const r = await run(args, env);
      console.log(`pool start under ${name}: first 512² matmul ${r.ms.toFixed(0)} ms on ${r.threads} thread(s)`);
      expect(r.stderr).toBe("");
      expect(r.threads).toBe(2);
    });
  }
});
