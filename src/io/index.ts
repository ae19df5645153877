/**
 * fl.io: safetensors files and checkpoints. `serialize`/`deserialize` work anywhere (bytes in
 * memory); `save`/`load`/`saveCheckpoint`/`loadCheckpoint` need Node's file system.
 */
export { serialize, deserialize, SafetensorsError, CHECKSUM_KEY } from "./safetensors.js";
export type { Metadata, SafetensorsContents, SerializeOptions } from "./safetensors.js";
export { lockFile, FileLockError } from "./lock.js";
export type { FileLock } from "./lock.js";
export { checkWritableTarget, removeStaleTemps } from "./target.js";
export { save, load } from "./file.js";
export { atomicWriteFileSync } from "./atomic.js";
export type { AtomicWriteOptions } from "./atomic.js";
export { packCheckpoint, unpackCheckpoint, saveCheckpoint, loadCheckpoint, CHECKPOINT_FORMAT } from "./checkpoint-file.js";
export type { Checkpoint } from "./checkpoint.js";
