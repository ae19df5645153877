/**
 * A pool of worker threads over the kernel module's shared memory. `run` puts tasks in a shared
 * queue; the calling thread and every worker that is up take tasks from it until it is empty (so a
 * thread that the OS delays, or a worker still starting, simply takes fewer), and `run` returns when
 * all are done. Each task writes its own part of the output, so who runs it does not change the
 * numbers. The calling thread blocks with Atomics.wait; where it may not block (a browser's main
 * thread) or there is no shared memory, the pool has no workers and the caller runs every task.
 *
 * Start-up never waits on a worker that cannot start. Each worker writes its state (ready, or failed
 * with its cause) into shared memory, so a waiting thread sees a failure at once. `start` waits for
 * that without blocking (for `fl.ready`); `resize` is the synchronous path, which waits at most
 * `graceMs` (Node, where a worker starts on its own thread) or not at all (a browser, where a worker
 * starts only once its parent yields to the event loop). A worker still starting when the wait ends
 * joins the queue once it is up. Any failure retires the whole pool: it runs on one thread from then
 * on, says why once on the console, and `failure` holds the cause. That includes a worker that was
 * up and then died (an error escaped its loop, or its thread ended): one that dies during a `run`
 * marks itself failed first, and the run finishes the tasks it left on the calling thread.
 */
import { canBlock, isNode, nodeWorkerThreads } from "./platform.js";
import { TASKS, type TaskName, type WasmRuntime } from "./wasm.js";
import {
  CHANGES,
  CONTROL_SIZE,
  FAILED,
  FINISHED,
  HELD_BY_CALLER,
  HELD_BY_WORKER,
  HOLDER_BASE,
  MAX_ARGS,
  MAX_TASKS,
  MAX_WORKERS,
  READY,
  RETIRED,
  STARTING,
  STATE_BASE,
  TASK_BASE,
  UNCLAIMED,
  BLOCK_WORDS,
  CAUSE_BASE,
  CAUSE_WORDS,
  failureCause,
  firstTicket,
  markFailed,
  takeTask,
  workerSource,
} from "./worker-source.js";

export interface Task {
  name: TaskName;
  args: number[];
}

interface Handle {
  terminate(): void;
}

export interface PoolOptions {
  /** The worker script (default: `workerSource`); tests pass a broken one. */
  source?: string;
}

const SPIN = 4_000;
/** How long a run that found a dead worker lets a live one store its claim on a task it just took. */
const CLAIM_MS = 50;

/** Why a pool has no workers although its memory is shared: this thread may not block. */
export const CANNOT_BLOCK =
  "this thread may not block (Atomics.wait is not allowed on a browser's main thread): run fundl in a Web Worker to use threads";
/** Why a pool has no workers: no shared memory. */
export const NOT_SHARED =
  "no shared memory: SharedArrayBuffer needs cross-origin isolation (serve the page with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)";

export class WorkerPool {
  private readonly ctrl: Int32Array;
  /** Worker w runs with id w; every one here is starting or ready. */
  private workers: Handle[] = [];
  /** Why this pool can never have workers (no shared memory, may not block), or null. */
  readonly unthreaded: string | null;
  /** Why the pool gave up its workers (a worker failed or did not start), or null. */
  failure: string | null = null;
  private readonly source: string;
  private blobUrl: string | null = null;

  constructor(private readonly rt: WasmRuntime, options: PoolOptions = {}) {
    this.unthreaded = !rt.shared ? NOT_SHARED : !canBlock() ? CANNOT_BLOCK : null;
    this.ctrl = new Int32Array(this.unthreaded ? new ArrayBuffer(CONTROL_SIZE * 4) : new SharedArrayBuffer(CONTROL_SIZE * 4));
    this.source = options.source ?? workerSource;
  }

  /** Threads the task split plans for: the caller plus every worker starting or ready (a worker's scratch slot is its id + 1). */
  get size(): number {
    return 1 + this.workers.length;
  }

  /** Threads that take tasks now: the caller plus the workers that are up. */
  get readyThreads(): number {
    let n = 1;
    for (let w = 0; w < this.workers.length; w++) if (Atomics.load(this.ctrl, STATE_BASE + w) === READY) n++;
    return n;
  }

  /** Workers still starting. */
  get starting(): number {
    return this.size - this.readyThreads;
  }

  /** Why the pool runs on fewer threads than asked for good, or null. */
  get reason(): string | null {
    return this.unthreaded ?? this.failure;
  }

  /**
   * Start or stop workers so that `threads` threads (the caller included) take tasks; wait at most
   * `graceMs` for new workers to come up, returning at once when one fails (the pool then runs on
   * one thread). Never blocks where the thread may not.
   */
  resize(threads: number, graceMs: number): void {
    const want = this.reason ? 0 : Math.min(MAX_WORKERS, Math.max(0, threads - 1));
    if (want < this.workers.length) this.retire(want);
    while (this.workers.length < want) {
      if (!this.spawnNext()) return;
    }
    if (graceMs > 0 && this.starting > 0) this.waitStarted(Date.now() + graceMs);
  }

  /** `resize` without blocking: resolves when every worker is up, or the pool has fallen back (a failure, or `timeoutMs` passed). */
  async start(threads: number, timeoutMs: number): Promise<void> {
    this.resize(threads, 0);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = Atomics.load(this.ctrl, CHANGES);
      if (this.settled()) return;
      const left = deadline - Date.now();
      if (left <= 0) {
        this.fail(`${this.starting} worker(s) did not start within ${timeoutMs} ms`);
        return;
      }
      await this.changeOrTimeout(seen, Math.min(left, 50));
    }
  }

  /**
   * Run every task, on up to `threads` threads (this one included); returns when all have finished.
   * Each task's last argument is a scratch pointer for thread 0; thread s adds s·scratchStride to it,
   * so scratch is per thread however the tasks fall.
   */
  run(tasks: Task[], threads: number, scratchStride: number): void {
    const ex = this.rt.exports as unknown as Record<TaskName, (...a: number[]) => void>;
    if (threads <= 1 || this.workers.length === 0 || tasks.length === 1) {
      for (const t of tasks) ex[t.name](...t.args);
      return;
    }
    if (tasks.length > MAX_TASKS) throw new Error(`WorkerPool.run: ${tasks.length} tasks (at most ${MAX_TASKS})`);
    const ctrl = this.ctrl;
    tasks.forEach((t, i) => this.writeTask(i, t));
    for (let i = 0; i < tasks.length; i++) Atomics.store(ctrl, HOLDER_BASE + i, UNCLAIMED);
    Atomics.store(ctrl, 1, 0);
    Atomics.store(ctrl, 3, 0);
    Atomics.store(ctrl, 5, tasks.length);
    Atomics.store(ctrl, 7, scratchStride);
    const gen = Atomics.load(ctrl, 0) + 1;
    Atomics.store(ctrl, 4, firstTicket(gen));
    Atomics.store(ctrl, 0, gen);
    Atomics.notify(ctrl, 0, threads - 1);
    let failure: unknown = null;
    const runHere = (i: number): void => {
      Atomics.store(ctrl, HOLDER_BASE + i, HELD_BY_CALLER);
      try {
        ex[tasks[i]!.name](...tasks[i]!.args);
      } catch (err) {
        failure ??= err;
      }
      Atomics.store(ctrl, HOLDER_BASE + i, FINISHED);
      Atomics.add(ctrl, 1, 1);
    };
    for (let i = takeTask(ctrl, gen); i >= 0; i = takeTask(ctrl, gen)) runHere(i);
    // wait only for tasks that workers took; a worker that wakes later (or comes up later) finds the queue empty
    const died = this.waitForWorkers(tasks.length, runHere);
    // close the queue for good: a worker still holding this generation must not take a task that
    // the next run writes into the blocks before it opens its own generation
    Atomics.store(ctrl, 4, firstTicket(gen) | 0xffff);
    if (died !== null) this.fail(`kernel worker ${died} stopped: ${failureCause(ctrl, died) || "no cause given"}`);
    if (failure) throw failure;
    if (Atomics.load(ctrl, 3) !== 0) throw new Error("fundl: a kernel failed on a worker thread");
  }

  private writeTask(i: number, task: Task): void {
    if (task.args.length > MAX_ARGS) throw new Error(`WorkerPool: too many arguments for ${task.name}`);
    const base = TASK_BASE + i * BLOCK_WORDS;
    this.ctrl[base] = TASKS.indexOf(task.name);
    this.ctrl[base + 1] = task.args.length;
    for (let a = 0; a < task.args.length; a++) this.ctrl[base + 2 + a] = task.args[a]!;
  }

  /**
   * Block until `count` tasks have finished (spinning briefly first). A worker that dies marks itself
   * FAILED and wakes this wait; the tasks it held (and any still unclaimed once live workers have had
   * CLAIM_MS to store their claims) are then run here with `runHere` — each task writes only its own
   * output, so running one again is safe. Returns the first dead worker's id, or null.
   */
  private waitForWorkers(count: number, runHere: (task: number) => void): number | null {
    const ctrl = this.ctrl;
    for (let i = 0; i < SPIN && Atomics.load(ctrl, 1) < count; i++);
    let died: number | null = null;
    const dead = new Set<number>();
    for (;;) {
      const now = Atomics.load(ctrl, 1);
      if (now >= count) return died;
      let newlyDead = false;
      for (let w = 0; w < this.workers.length; w++) {
        if (!dead.has(w) && Atomics.load(ctrl, STATE_BASE + w) === FAILED) {
          dead.add(w);
          died ??= w;
          newlyDead = true;
        }
      }
      if (newlyDead) {
        // a live worker stores its claim right after it takes a task: give it that moment
        const until = Date.now() + CLAIM_MS;
        const unclaimed = (): boolean => {
          for (let t = 0; t < count; t++) if (Atomics.load(ctrl, HOLDER_BASE + t) === UNCLAIMED) return true;
          return false;
        };
        while (unclaimed() && Date.now() < until) Atomics.wait(ctrl, 1, Atomics.load(ctrl, 1), 1);
        for (let t = 0; t < count; t++) {
          const holder = Atomics.load(ctrl, HOLDER_BASE + t);
          if (holder === UNCLAIMED || (holder >= HELD_BY_WORKER && dead.has(holder - HELD_BY_WORKER))) runHere(t);
        }
        continue;
      }
      Atomics.wait(ctrl, 1, now, 1000);
    }
  }

  /** Whether no worker is still starting; a worker that failed retires the pool (and counts as settled). */
  private settled(): boolean {
    if (this.failure) return true;
    for (let w = 0; w < this.workers.length; w++) {
      if (Atomics.load(this.ctrl, STATE_BASE + w) === FAILED) {
        this.fail(`kernel worker ${w} failed: ${failureCause(this.ctrl, w) || "no cause given"}`);
        return true;
      }
    }
    return this.starting === 0;
  }

  /** Block until every worker is up or one has failed, or until `deadline` (then late workers join when up). */
  private waitStarted(deadline: number): void {
    for (;;) {
      const seen = Atomics.load(this.ctrl, CHANGES);
      if (this.settled()) return;
      const left = deadline - Date.now();
      if (left <= 0) return;
      Atomics.wait(this.ctrl, CHANGES, seen, left);
    }
  }

  /**
   * Resolve when the state-change word moves from `seen`, or after `ms`. The timer also keeps Node's
   * event loop alive meanwhile (Atomics.waitAsync does not, and the workers are unref'd), so a
   * top-level `await fl.ready()` does not end the process.
   */
  private async changeOrTimeout(seen: number, ms: number): Promise<void> {
    const waitAsync = (Atomics as { waitAsync?: (a: Int32Array, i: number, v: number, t: number) => { async: boolean; value: unknown } }).waitAsync;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const elapsed = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitAsync ? ms : Math.min(ms, 5))));
    try {
      const r = waitAsync?.(this.ctrl, CHANGES, seen, ms);
      await (r?.async ? Promise.race([r.value, elapsed]) : r ? undefined : elapsed);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Give up every worker and run on one thread from now on, saying why once. */
  private fail(cause: string): void {
    if (this.failure) return;
    this.failure = cause;
    this.retire(0);
    console.warn(`fundl: ${cause}; running on one thread`);
  }

  /** Retire the workers from `keep` on: a ready one leaves its loop at the next wake-up, a starting one never serves; then end them. */
  private retire(keep: number): void {
    const ctrl = this.ctrl;
    for (let w = keep; w < this.workers.length; w++) Atomics.store(ctrl, STATE_BASE + w, RETIRED);
    // a new generation with an empty queue wakes every worker; the retired ones see their state and leave
    Atomics.store(ctrl, 5, 0);
    Atomics.add(ctrl, 0, 1);
    Atomics.notify(ctrl, 0);
    for (const w of this.workers.splice(keep)) w.terminate();
  }

  /** Start the next worker; false (and the pool falls back) if it cannot even be created. */
  private spawnNext(): boolean {
    const id = this.workers.length;
    Atomics.store(this.ctrl, STATE_BASE + id, STARTING);
    Atomics.store(this.ctrl, CAUSE_BASE + id * CAUSE_WORDS, 0);
    try {
      this.workers.push(this.spawn(id));
      return true;
    } catch (err) {
      this.fail(`could not create a kernel worker (${String(err)})`);
      return false;
    }
  }

  /**
   * A failure the parent learns of from an event: a worker that could not run its script is recorded
   * as it would have recorded itself; one that was up and died retires the pool (its tasks, if a run
   * was waiting on them, were finished by that run once the worker marked itself failed).
   */
  private onWorkerError(id: number, worker: Handle, cause: string): void {
    if (this.workers[id] !== worker) return; // retired on purpose, or the pool has failed already
    if (markFailed(this.ctrl, id, cause)) {
      this.settled();
      return;
    }
    markFailed(this.ctrl, id, cause, CAUSE_BASE, CAUSE_WORDS, STATE_BASE, READY);
    this.fail(`kernel worker ${id} stopped: ${failureCause(this.ctrl, id) || cause}`);
  }

  private spawn(id: number): Handle {
    const data = { module: this.rt.module, memory: this.rt.memory, control: this.ctrl.buffer, id, tasks: [...TASKS] };
    if (isNode && nodeWorkerThreads) {
      // execArgv: []: the kernel worker needs none of the parent's flags (loaders, module type)
      const worker = new nodeWorkerThreads.Worker(this.source, { eval: true, workerData: data, execArgv: [] });
      worker.on("error", (err) => this.onWorkerError(id, worker, String(err)));
      worker.on("exit", (code) => {
        const up = Atomics.load(this.ctrl, STATE_BASE + id) !== STARTING;
        this.onWorkerError(id, worker, `its thread exited with code ${code}${up ? "" : " before it was up"}`);
      });
      worker.unref();
      return worker;
    }
    this.blobUrl ??= URL.createObjectURL(new Blob([this.source], { type: "text/javascript" }));
    const worker = new Worker(this.blobUrl);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.onWorkerError(id, worker, e.message || "its script could not be loaded (does a Content-Security-Policy forbid blob: workers?)");
    };
    worker.postMessage(data);
    return worker;
  }
}
