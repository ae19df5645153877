/**
 * A pool of worker threads over the kernel module's shared memory. `run` puts tasks in a shared
 * queue; the calling thread and every worker take tasks from it until it is empty (so a thread
 * that the OS delays simply takes fewer), and `run` returns when all are done. Each task writes
 * its own part of the output, so who runs it does not change the numbers. The calling thread
 * blocks with Atomics.wait; on a browser's main thread, which may not block, it runs every task itself.
 */
import { canBlock, isNode, nodeWorkerThreads } from "./platform.js";
import { TASKS, type TaskName, type WasmRuntime } from "./wasm.js";
import { BLOCK_WORDS, CONTROL_WORDS, MAX_ARGS, MAX_TASKS, firstTicket, takeTask, workerSource } from "./worker-source.js";

export interface Task {
  name: TaskName;
  args: number[];
}

interface Handle {
  terminate(): void;
}

const START_TIMEOUT_MS = 10_000;
const SPIN = 4_000;
const MAX_WORKERS = 63;

export class WorkerPool {
  private readonly ctrl: Int32Array;
  private workers: Handle[] = [];
  /** Workers need shared memory and a calling thread that may block. */
  private readonly threaded: boolean;
  private broken = false;

  constructor(private readonly rt: WasmRuntime) {
    this.threaded = rt.shared && canBlock();
    const words = CONTROL_WORDS + MAX_TASKS * BLOCK_WORDS;
    this.ctrl = new Int32Array(this.threaded ? new SharedArrayBuffer(words * 4) : new ArrayBuffer(words * 4));
    this.ctrl[6] = MAX_WORKERS;
  }

  /** How many threads `run` can use now (the caller plus live workers). */
  get size(): number {
    return 1 + this.workers.length;
  }

  /** Start or stop workers so that `threads` threads (the caller included) are available. */
  resize(threads: number): void {
    const want = Math.min(MAX_WORKERS, this.threaded && !this.broken ? threads - 1 : 0);
    if (want < this.workers.length) this.stop(want);
    while (this.workers.length < want) this.workers.push(this.spawn(this.workers.length));
    if (this.workers.length > 0 && !this.waitReady()) {
      this.broken = true;
      for (const w of this.workers) w.terminate();
      this.workers = [];
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
    Atomics.store(ctrl, 1, 0);
    Atomics.store(ctrl, 3, 0);
    Atomics.store(ctrl, 5, tasks.length);
    Atomics.store(ctrl, 7, scratchStride);
    const gen = Atomics.load(ctrl, 0) + 1;
    Atomics.store(ctrl, 4, firstTicket(gen));
    Atomics.store(ctrl, 0, gen);
    Atomics.notify(ctrl, 0, threads - 1);
    let failure: unknown = null;
    for (let i = takeTask(ctrl, gen); i >= 0; i = takeTask(ctrl, gen)) {
      try {
        ex[tasks[i]!.name](...tasks[i]!.args);
      } catch (err) {
        failure ??= err;
      }
      Atomics.add(ctrl, 1, 1);
    }
    // wait only for tasks that workers took; a worker that wakes later finds the queue empty
    this.waitFor(1, tasks.length);
    // close the queue for good: a worker still holding this generation must not take a task that
    // the next run writes into the blocks before it opens its own generation
    Atomics.store(ctrl, 4, firstTicket(gen) | 0xffff);
    if (failure) throw failure;
    if (Atomics.load(ctrl, 3) !== 0) throw new Error("fundl: a kernel failed on a worker thread");
  }

  private writeTask(i: number, task: Task): void {
    if (task.args.length > MAX_ARGS) throw new Error(`WorkerPool: too many arguments for ${task.name}`);
    const base = CONTROL_WORDS + i * BLOCK_WORDS;
    this.ctrl[base] = TASKS.indexOf(task.name);
    this.ctrl[base + 1] = task.args.length;
    for (let a = 0; a < task.args.length; a++) this.ctrl[base + 2 + a] = task.args[a]!;
  }

  /** Block until control word `word` reaches `target` (spinning briefly first). */
  private waitFor(word: number, target: number): void {
    const ctrl = this.ctrl;
    for (let i = 0; i < SPIN && Atomics.load(ctrl, word) < target; i++);
    for (;;) {
      const now = Atomics.load(ctrl, word);
      if (now >= target) return;
      Atomics.wait(ctrl, word, now, 1000);
    }
  }

  private waitReady(): boolean {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const ready = Atomics.load(this.ctrl, 2);
      if (ready >= this.workers.length) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      Atomics.wait(this.ctrl, 2, ready, left);
    }
  }

  /** Ask the workers from `keep` on to leave their loop, and wait until they have. */
  private stop(keep: number): void {
    const ctrl = this.ctrl;
    Atomics.store(ctrl, 6, keep);
    Atomics.store(ctrl, 5, 0);
    Atomics.add(ctrl, 0, 1);
    Atomics.notify(ctrl, 0);
    for (;;) {
      const alive = Atomics.load(ctrl, 2);
      if (alive <= keep) break;
      Atomics.wait(ctrl, 2, alive, 1000);
    }
    Atomics.store(ctrl, 6, MAX_WORKERS);
    this.workers.length = keep;
  }

  private spawn(id: number): Handle {
    const data = { module: this.rt.module, memory: this.rt.memory, control: this.ctrl.buffer, id, tasks: [...TASKS] };
    if (isNode && nodeWorkerThreads) {
      const worker = new nodeWorkerThreads.Worker(workerSource, { eval: true, workerData: data });
      worker.on("error", (err) => {
        this.broken = true;
        console.warn(`fundl: a kernel worker failed (${String(err)}); running on one thread`);
      });
      worker.unref();
      return worker;
    }
    const url = URL.createObjectURL(new Blob([workerSource], { type: "text/javascript" }));
    const worker = new Worker(url);
    worker.postMessage(data);
    return worker;
  }
}
