// Measuring the heap for the memory tests: a full collection, then JS objects plus typed-array storage.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/**
 * JS objects plus typed-array storage after a full collection (wasm memory is checked apart). Array
 * buffers are released by a concurrent sweeper, so take the least of a few collections.
 */
export function heapBytes(): number {
  let least = Infinity;
  for (let i = 0; i < 3; i++) {
    gc();
    const m = process.memoryUsage();
    least = Math.min(least, m.heapUsed + m.arrayBuffers);
  }
  return least;
}
