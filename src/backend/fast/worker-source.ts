/**
 * The code each pool worker runs, as a self-contained script (so it loads the same way from the
 * TypeScript sources under vitest, from dist/, and from a Blob URL in a browser). A worker
 * instantiates the kernel module on the shared memory, then loops: sleep on the generation word,
 * take tasks from the shared queue until it is empty, go back to sleep.
 *
 * Control words (Int32Array over a SharedArrayBuffer):
 *   [0] generation  [1] tasks finished  [2] workers alive  [3] error flag
 *   [4] ticket: (generation mod 2^15) · 2^16 + next task index — a thread that wakes late, still
 *       holding an old generation, can take no task of a newer one
 *   [5] task count  [6] workers to keep (a worker whose id is not below it exits)
 *   [7] scratch stride: a task's last argument is thread 0's scratch; thread s uses it + s·stride
 *   [8 + 32·t ...] task t: export index, argument count, arguments
 */
export const CONTROL_WORDS = 8;
export const BLOCK_WORDS = 32;
export const MAX_ARGS = BLOCK_WORDS - 2;
export const MAX_TASKS = 256;

/** The next task index of generation `gen`, or −1 when its queue is empty or a newer one has begun. */
export function takeTask(ctrl: Int32Array, gen: number): number {
  for (;;) {
    const v = Atomics.load(ctrl, 4);
    if (v >>> 16 !== (gen & 0x7fff)) return -1;
    const i = v & 0xffff;
    if (i >= Atomics.load(ctrl, 5)) return -1;
    if (Atomics.compareExchange(ctrl, 4, v, v + 1) === v) return i;
  }
}

/** The ticket that opens generation `gen`'s queue at task 0. */
export function firstTicket(gen: number): number {
  return (gen & 0x7fff) << 16;
}

export const workerSource = `
"use strict";
const SPIN = 4000;
// takeTask, the same function as this file's TypeScript export (its compiled source, so the worker script stands alone)
const takeTask = ${takeTask.toString()};
function serve(data) {
  const { module, memory, control, id, tasks } = data;
  const ctrl = new Int32Array(control);
  const imports = { env: { memory, abort() { throw new Error("fundl wasm kernel aborted"); } } };
  const ex = new WebAssembly.Instance(module, imports).exports;
  const fns = tasks.map((name) => ex[name]);
  let gen = Atomics.load(ctrl, 0);
  Atomics.add(ctrl, 2, 1);
  Atomics.notify(ctrl, 2);
  for (;;) {
    for (let i = 0; i < SPIN && Atomics.load(ctrl, 0) === gen; i++);
    Atomics.wait(ctrl, 0, gen);
    gen = Atomics.load(ctrl, 0);
    if (id >= Atomics.load(ctrl, 6)) {
      Atomics.sub(ctrl, 2, 1);
      Atomics.notify(ctrl, 2);
      return;
    }
    for (let t = takeTask(ctrl, gen); t >= 0; t = takeTask(ctrl, gen)) {
      const base = ${CONTROL_WORDS} + t * ${BLOCK_WORDS};
      const args = [];
      for (let i = 0; i < ctrl[base + 1]; i++) args.push(ctrl[base + 2 + i]);
      args[args.length - 1] += (id + 1) * Atomics.load(ctrl, 7);
      try {
        fns[ctrl[base]](...args);
      } catch (err) {
        Atomics.store(ctrl, 3, 1);
      }
      Atomics.add(ctrl, 1, 1);
      Atomics.notify(ctrl, 1);
    }
  }
}
if (typeof require === "function") {
  const wt = require("node:worker_threads");
  serve(wt.workerData);
} else {
  self.onmessage = (e) => serve(e.data);
}
`;
