/**
 * Start fundl's fast backend in a Web Worker with `threads` threads. The pool's workers must be
 * started without blocking (fl.ready); where this build has no fl.ready, blocking for them would
 * stall, so the backend stays on one thread and says so in backendInfo().
 */
import * as fl from "../../src/index.js";

type Ready = (options: { threads?: number }) => Promise<unknown>;

/** Select the fast backend and bring up its thread pool; returns fl.backendInfo(). */
export async function startFundl(threads: number): Promise<ReturnType<typeof fl.backendInfo>> {
  fl.setBackend("fast");
  const ready = (fl as unknown as { ready?: Ready }).ready;
  if (typeof ready === "function") await ready({ threads });
  else fl.setThreads(1);
  return fl.backendInfo();
}

/** Let the worker's event loop run (messages, timers) between steps: a macrotask, not clamped like setTimeout. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}
