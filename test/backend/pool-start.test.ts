// The pool's start-up: a worker that fails is reported with its cause at once (never after a
// timeout), the pool then runs on one thread, and `fl.ready` brings threads up without blocking.
import { afterEach, describe, expect, it, vi } from "vitest";
import * as fl from "../../src/index.js";
import { wasmRuntime } from "../../src/backend/fast/wasm.js";
import { WorkerPool } from "../../src/backend/fast/pool.js";
import { workerSource } from "../../src/backend/fast/worker-source.js";
import { fastContext } from "../../src/backend/fast/context.js";

// A module that imports a function `env.f` the workers do not provide: instantiating it throws a LinkError.
const importsMissingFunction = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 2, 9, 1, 3, 101, 110, 118, 1, 102, 0, 0]);

function brokenRuntime() {
  return { ...wasmRuntime(), module: new WebAssembly.Module(importsMissingFunction) };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("worker pool start-up", () => {
  it("reports a worker whose kernels cannot load at once, with the cause, and runs on one thread", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const pool = new WorkerPool(brokenRuntime());
    // a grace far beyond the test's timeout: only the worker's own report can end this wait
    pool.resize(3, 10 * 60_000);
    expect(pool.failure).toMatch(/kernel worker \d failed: .*LinkError/);
    expect(pool.size).toBe(1);
    expect(pool.readyThreads).toBe(1);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/LinkError.*running on one thread/);
    pool.resize(3, 1000); // a failed pool stays on one thread without trying again
    expect(pool.size).toBe(1);
  });

  it("reports a worker whose script cannot even run, without waiting out the sync path's grace", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const pool = new WorkerPool(wasmRuntime(), { source: workerSource + "\n)(" });
    await pool.start(2, 10 * 60_000);
    expect(pool.failure).toMatch(/SyntaxError/);
    expect(pool.size).toBe(1);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it("starts without blocking, and stops workers that are still starting", async () => {
    const pool = new WorkerPool(wasmRuntime());
    pool.resize(3, 0); // returns at once: two workers starting
    expect(pool.size).toBe(3);
    pool.resize(2, 0); // retire one before it is up
    expect(pool.size).toBe(2);
    await pool.start(2, 60_000);
    expect(pool.failure).toBe(null);
    expect(pool.readyThreads).toBe(2);
    expect(pool.starting).toBe(0);
    pool.resize(1, 0);
    expect(pool.size).toBe(1);
  });
});

describe("fl.ready", () => {
  it("brings the pool up to the asked threads and reports them truthfully", async () => {
    const before = fl.getThreads();
    try {
      const info = await fl.ready({ threads: 2 });
      expect(info.backend).toBe("fast");
      expect(info.threads).toBe(2);
      expect(info.requestedThreads).toBe(2);
      expect(info.threadsNote).toBeUndefined();
      const y = fl.matmul(fl.ones([256, 256]), fl.ones([256, 256]));
      expect(y.data[0]).toBe(256);
      expect((await fl.ready({ threads: 1 })).threads).toBe(1);
    } finally {
      fl.setThreads(before);
    }
  });

  it("says that the reference backend runs on one thread", () => {
    fl.setBackend("reference");
    try {
      const info = fl.backendInfo();
      expect(info.threads).toBe(1);
      if (info.requestedThreads > 1) expect(info.threadsNote).toMatch(/reference backend runs on one thread/);
    } finally {
      fl.setBackend("fast");
    }
  });

  it("rejects bad options by name", async () => {
    await expect(fl.ready({ threads: 0 })).rejects.toThrow(/setThreads: expected a positive integer/);
    await expect(fl.ready({ timeoutMs: -1 })).rejects.toThrow(/ready: timeoutMs/);
  });

  it("checks every option before it changes the thread setting", async () => {
    const before = fl.getThreads();
    const other = before === 3 ? 2 : 3;
    await expect(fl.ready({ threads: other, timeoutMs: Number.NaN })).rejects.toThrow(/ready: timeoutMs must be a positive number/);
    expect(fl.getThreads()).toBe(before);
  });
});

// A worker that was up and then died must retire the pool (one thread, with the cause) and never
// leave a run waiting for a task it held: the run finishes that task on the calling thread.
describe("a worker that dies after it was up", () => {
  /** Swap the fast context's pool for `pool` while `body` runs, with 2 threads asked for. */
  async function withPool(pool: WorkerPool, body: () => Promise<void> | void): Promise<void> {
    const c = fastContext()!;
    const saved = c.pool;
    const before = fl.getThreads();
    c.pool = pool;
    try {
      fl.setThreads(2);
      await pool.start(2, 60_000);
      expect(pool.readyThreads).toBe(2);
      await body();
    } finally {
      c.pool = saved;
      fl.setThreads(before);
    }
  }

  /** A 256² matmul of ones (split over both threads): every entry must be 256. */
  function checkedMatmul(): void {
    const y = fl.matmul(fl.ones([256, 256]), fl.ones([256, 256]));
    expect(y.data.length).toBe(256 * 256);
    expect(y.data.every((v) => v === 256)).toBe(true);
  }

  it("finishes the task a worker died holding, then runs on one thread and says why", { timeout: 15_000 }, async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    // the worker throws outside its kernel call on the first task it takes: it dies holding it
    const dies = workerSource.replace("const base =", "throw new Error('test: worker dies holding task ' + t); const base =");
    expect(dies).not.toBe(workerSource);
    const pool = new WorkerPool(wasmRuntime(), { source: dies });
    await withPool(pool, () => {
      // the caller may take every task of a run before the worker wakes: run until the worker has
      // taken one (and died holding it), each result checked; a few runs suffice even on a loaded machine
      for (let i = 0; i < 50 && !pool.failure; i++) checkedMatmul();
      expect(pool.failure).toMatch(/kernel worker 0 stopped: .*test: worker dies holding task/);
      const info = fl.backendInfo();
      expect(info.threads).toBe(1);
      expect(info.threadsNote).toMatch(/kernel worker 0 stopped/);
      checkedMatmul();
    });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/worker dies holding task.*running on one thread/);
  });

  it("retires the pool when a ready worker's thread ends between runs", { timeout: 15_000 }, async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const pool = new WorkerPool(wasmRuntime());
    await withPool(pool, async () => {
      checkedMatmul();
      // the test's hook: end worker 0's thread as a crash would, then let its exit event arrive
      const worker = (pool as unknown as { workers: { terminate(): Promise<number> }[] }).workers[0]!;
      await worker.terminate();
      for (let i = 0; i < 200 && !pool.failure; i++) await new Promise((r) => setTimeout(r, 5));
      expect(pool.failure).toMatch(/kernel worker 0 stopped: its thread exited with code 1/);
      const info = fl.backendInfo();
      expect(info.threads).toBe(1);
      expect(info.threadsNote).toMatch(/kernel worker 0 stopped: its thread exited/);
      checkedMatmul();
    });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/exited.*running on one thread/);
  });
});
