/**
 * The code each pool worker runs, as a self-contained script (so it loads the same way from the
 * TypeScript sources under vitest, from dist/, and from a Blob URL in a browser). A worker
 * instantiates the kernel module on the shared memory, says in its state word that it is ready (or
 * that it failed, and why), then loops: sleep on the generation word, take tasks from the shared
 * queue until it is empty, go back to sleep.
 *
 * The script parses and runs the same as a classic script and as an ES module: Node may run an
 * eval'd worker as either (a parent's `--input-type=module`, or the same flag in NODE_OPTIONS, makes
 * it a module, where `require` does not exist), so it reaches `worker_threads` with `import()`,
 * which both have.
 *
 * Control words (Int32Array over a SharedArrayBuffer):
 *   [0] generation  [1] tasks finished
 *   [2] state changes: a worker adds 1 and notifies after it changes its state word
 *   [3] error flag (a kernel threw on a worker)
 *   [4] ticket: (generation mod 2^15) · 2^16 + next task index — a thread that wakes late, still
 *       holding an old generation, can take no task of a newer one
 *   [5] task count  [6] unused
 *   [7] scratch stride: a task's last argument is thread 0's scratch; thread s uses it + s·stride
 *   [STATE_BASE + w] worker w's state: STARTING, READY, FAILED or RETIRED
 *   [CAUSE_BASE + CAUSE_WORDS·w ...] why worker w failed: length, then UTF-16 code units
 *   [TASK_BASE + BLOCK_WORDS·t ...] task t: export index, argument count, arguments
 *   [HOLDER_BASE + t] who holds task t: UNCLAIMED, HELD_BY_CALLER, HELD_BY_WORKER + w, or FINISHED
 *     (so the caller can tell which tasks a worker that died left unfinished)
 */
export const MAX_WORKERS = 63;
export const STATE_BASE = 8;
export const CAUSE_BASE = STATE_BASE + MAX_WORKERS + 1;
export const CAUSE_WORDS = 160;
export const TASK_BASE = CAUSE_BASE + (MAX_WORKERS + 1) * CAUSE_WORDS;
export const BLOCK_WORDS = 32;
export const MAX_ARGS = BLOCK_WORDS - 2;
export const MAX_TASKS = 256;
export const HOLDER_BASE = TASK_BASE + MAX_TASKS * BLOCK_WORDS;
/** Words of the control block. */
export const CONTROL_SIZE = HOLDER_BASE + MAX_TASKS;
/** A task's holder word: not yet claimed (or claimed a moment ago), the caller, worker w (HELD_BY_WORKER + w), finished. */
export const UNCLAIMED = 0;
export const HELD_BY_CALLER = 1;
export const HELD_BY_WORKER = 2;
export const FINISHED = -1;
/** The control word that counts state changes. */
export const CHANGES = 2;

/** A worker's state word: set to STARTING by the parent, then READY or FAILED by the worker; RETIRED by the parent to stop it. */
export const STARTING = 0;
export const READY = 1;
export const FAILED = 2;
export const RETIRED = 3;

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

/**
 * Move worker `id` from state `from` (STARTING unless given) to FAILED, writing `cause` beside it,
 * and wake whoever waits for state changes or for tasks. Does nothing (and returns false) if the
 * worker is not in `from` (it has moved on, or was retired).
 */
export function markFailed(ctrl: Int32Array, id: number, cause: string, base: number = CAUSE_BASE, words: number = CAUSE_WORDS, stateBase: number = STATE_BASE, from: number = 0): boolean {
  const at = base + id * words;
  const text = cause.length > words - 1 ? cause.slice(0, words - 2) + "…" : cause;
  for (let i = 0; i < text.length; i++) ctrl[at + 1 + i] = text.charCodeAt(i);
  ctrl[at] = text.length;
  // 2 is FAILED, 2 the state-change word, 1 the tasks-finished word a waiting `run` sleeps on
  // (literals: the worker script copies this function's source)
  if (Atomics.compareExchange(ctrl, stateBase + id, from, 2) !== from) return false;
  Atomics.add(ctrl, 2, 1);
  Atomics.notify(ctrl, 2);
  Atomics.notify(ctrl, 1);
  return true;
}

/** Why worker `id` failed, as it wrote it (empty if it did not). */
export function failureCause(ctrl: Int32Array, id: number): string {
  const at = CAUSE_BASE + id * CAUSE_WORDS;
  const n = Math.min(ctrl[at]!, CAUSE_WORDS - 1);
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(ctrl[at + 1 + i]!);
  return s;
}

export const workerSource = `
"use strict";
const SPIN = 4000;
// takeTask and markFailed, the same functions as this file's TypeScript exports (their compiled source, so the worker script stands alone)
const takeTask = ${takeTask.toString()};
const markFailed = ${markFailed.toString()};
function serve(data) {
  const { module, memory, control, id, tasks } = data;
  const ctrl = new Int32Array(control);
  const state = ${STATE_BASE} + id;
  let fns;
  try {
    const imports = { env: { memory, abort() { throw new Error("fundl wasm kernel aborted"); } } };
    const ex = new WebAssembly.Instance(module, imports).exports;
    fns = tasks.map((name) => {
      if (typeof ex[name] !== "function") throw new Error("the kernel module has no export " + name);
      return ex[name];
    });
  } catch (err) {
    markFailed(ctrl, id, String(err), ${CAUSE_BASE}, ${CAUSE_WORDS}, ${STATE_BASE});
    return;
  }
  let gen = Atomics.load(ctrl, 0);
  // READY only from STARTING: a worker retired while it was starting leaves without serving
  if (Atomics.compareExchange(ctrl, state, ${STARTING}, ${READY}) !== ${STARTING}) return;
  Atomics.add(ctrl, ${CHANGES}, 1);
  Atomics.notify(ctrl, ${CHANGES});
  // anything that escapes this loop (a kernel's own errors are caught below) ends the worker: say so
  // first, so that a run waiting for a task it held finishes that task itself instead of waiting forever
  try {
    loop(ctrl, id, state, fns, gen);
  } catch (err) {
    markFailed(ctrl, id, String(err), ${CAUSE_BASE}, ${CAUSE_WORDS}, ${STATE_BASE}, ${READY});
    throw err;
  }
}
function loop(ctrl, id, state, fns, gen) {
  for (;;) {
    for (let i = 0; i < SPIN && Atomics.load(ctrl, 0) === gen; i++);
    Atomics.wait(ctrl, 0, gen);
    gen = Atomics.load(ctrl, 0);
    if (Atomics.load(ctrl, state) !== ${READY}) return;
    for (let t = takeTask(ctrl, gen); t >= 0; t = takeTask(ctrl, gen)) {
      Atomics.store(ctrl, ${HOLDER_BASE} + t, ${HELD_BY_WORKER} + id);
      const base = ${TASK_BASE} + t * ${BLOCK_WORDS};
      const args = [];
      for (let i = 0; i < ctrl[base + 1]; i++) args.push(ctrl[base + 2 + i]);
      args[args.length - 1] += (id + 1) * Atomics.load(ctrl, 7);
      try {
        fns[ctrl[base]](...args);
      } catch (err) {
        Atomics.store(ctrl, 3, 1);
      }
      Atomics.store(ctrl, ${HOLDER_BASE} + t, ${FINISHED});
      Atomics.add(ctrl, 1, 1);
      Atomics.notify(ctrl, 1);
    }
  }
}
if (typeof process === "object" && process !== null && typeof (process.versions || {}).node === "string") {
  import("node:worker_threads").then((wt) => serve(wt.workerData));
} else {
  self.onmessage = (e) => serve(e.data);
}
`;
