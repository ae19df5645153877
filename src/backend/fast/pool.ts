/**
 * A pool of worker threads over the kernel module's shared memory. `run` hands one task to each
 * thread (the calling thread takes the first), blocks until all are done, and returns. The calling
 * thread blocks with Atomics.wait, so in a browser the pool only runs from a worker (on a browser's
 * main thread it runs every task itself).
 */
import { canBlock, isNode, nodeWorkerThreads } from "./platform.js";
import { TASKS, type TaskName, type WasmRuntime } from "./wasm.js";
import { BLOCK_WORDS, CONTROL_WORDS, MAX_ARGS, TASK_EXIT, TASK_IDLE, workerSource } from "./worker-source.js";

export interface Task {
  name: TaskName;
  args: number[];
}

interface Handle {
  terminate(): void;
}

const MAX_WORKERS = 64;
const START_TIMEOUT_MS = 10_000;
const SPIN = 20_000;

export class WorkerPool {
  private readonly ctrl = new Int32Array(new SharedArrayBuffer((CONTROL_WORDS + MAX_WORKERS * BLOCK_WORDS) * 4));
  private workers: Handle[] = [];
  private readonly blocking = canBlock();
  private broken = false;

  constructor(private readonly rt: WasmRuntime) {}

  /** How many threads `run` can use now (the caller plus live workers). */
  get size(): number {
    return 1 + this.workers.length;
  }

  /** Start or stop workers so that `threads` threads (the caller included) are available. */
  resize(threads: number): void {
    const want = Math.min(MAX_WORKERS, this.blocking && !this.broken ? threads - 1 : 0);
    if (want < this.workers.length) this.stop(this.workers.length - want);
    while (this.workers.length < want) this.workers.push(this.spawn(this.workers.length));
    if (this.workers.length > 0 && !this.waitReady()) {
      this.broken = true;
      for (const w of this.workers) w.terminate();
      this.workers = [];
    }
  }

  /** Run tasks[0] here and tasks[i] on worker i−1, in parallel; returns when all have finished. */
  run(tasks: Task[]): void {
    if (tasks.length > this.size) throw new Error(`WorkerPool.run: ${tasks.length} tasks for ${this.size} threads`);
    const ex = this.rt.exports as unknown as Record<TaskName, (...a: number[]) => void>;
    if (tasks.length === 1) {
      ex[tasks[0]!.name](...tasks[0]!.args);
      return;
    }
    const ctrl = this.ctrl;
    for (let w = 0; w < this.workers.length; w++) this.writeTask(w, tasks[w + 1]);
    Atomics.store(ctrl, 1, 0);
    Atomics.store(ctrl, 3, 0);
    Atomics.add(ctrl, 0, 1);
    Atomics.notify(ctrl, 0);
    let failure: unknown = null;
    try {
      ex[tasks[0]!.name](...tasks[0]!.args);
    } catch (err) {
      failure = err;
    }
    this.waitDone(this.workers.length);
    if (failure) throw failure;
    if (Atomics.load(ctrl, 3) !== 0) throw new Error("fundl: a kernel failed on a worker thread");
  }

  private writeTask(w: number, task: Task | undefined): void {
    const base = CONTROL_WORDS + w * BLOCK_WORDS;
    if (!task) {
      this.ctrl[base] = TASK_IDLE;
      return;
    }
    if (task.args.length > MAX_ARGS) throw new Error(`WorkerPool: too many arguments for ${task.name}`);
    this.ctrl[base] = TASKS.indexOf(task.name);
    this.ctrl[base + 1] = task.args.length;
    for (let i = 0; i < task.args.length; i++) this.ctrl[base + 2 + i] = task.args[i]!;
  }

  private waitDone(count: number): void {
    const ctrl = this.ctrl;
    for (let i = 0; i < SPIN && Atomics.load(ctrl, 1) < count; i++);
    for (;;) {
      const done = Atomics.load(ctrl, 1);
      if (done >= count) return;
      Atomics.wait(ctrl, 1, done, 1000);
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

  /** Ask the last `count` workers to leave their loop, and wait until they have. */
  private stop(count: number): void {
    const keep = this.workers.length - count;
    for (let w = 0; w < this.workers.length; w++) {
      const base = CONTROL_WORDS + w * BLOCK_WORDS;
      this.ctrl[base] = w >= keep ? TASK_EXIT : TASK_IDLE;
    }
    Atomics.store(this.ctrl, 1, 0);
    Atomics.add(this.ctrl, 0, 1);
    Atomics.notify(this.ctrl, 0);
    this.waitDone(this.workers.length);
    Atomics.sub(this.ctrl, 2, count);
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
