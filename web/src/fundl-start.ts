/**
 * Start fundl's fast backend in a Web Worker: `fl.ready` brings the thread pool up without
 * blocking (a worker's child workers start only when it yields to its event loop), and
 * backendInfo() then says how many threads are live (one, with the reason, where the page is not
 * cross-origin isolated).
 */
import * as fl from "../../src/index.js";

/** Select the fast backend and bring up its thread pool; returns fl.backendInfo(). */
export async function startFundl(threads: number): Promise<ReturnType<typeof fl.backendInfo>> {
  fl.setBackend("fast");
  return await fl.ready({ threads });
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
