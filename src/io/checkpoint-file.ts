/** Checkpoint files (Node): `saveCheckpoint(path, { model, optimizer, meta })` and `loadCheckpoint(path)`. */
import type { AtomicWriteOptions } from "./atomic.js";
import { packCheckpoint, unpackCheckpoint, type Checkpoint } from "./checkpoint.js";
import { load, save } from "./file.js";

export { packCheckpoint, unpackCheckpoint, CHECKPOINT_FORMAT } from "./checkpoint.js";

/** Write a checkpoint atomically (the previous file survives a crash mid-write). */
export function saveCheckpoint(file: string, ck: Checkpoint, options: AtomicWriteOptions = {}): void {
  const { tensors, metadata } = packCheckpoint(ck);
  save(file, tensors, metadata, options);
}

/** Read and validate a checkpoint; load the parts with `model.loadStateDict(ck.model)` and `optimizer.loadStateDict(ck.optimizer)`. */
export function loadCheckpoint(file: string): Checkpoint {
  return unpackCheckpoint(load(file), file);
}
