/**
 * fl.io: safetensors files and checkpoints. `serialize`/`deserialize` work anywhere (bytes in
 * memory); `save`/`load`/`saveCheckpoint`/`loadCheckpoint` need Node's file system.
 */
export { serialize, deserialize, SafetensorsError } from "./safetensors.js";
export type { Metadata, SafetensorsContents } from "./safetensors.js";
export { save, load } from "./file.js";
export { atomicWriteFileSync } from "./atomic.js";
export type { AtomicWriteOptions } from "./atomic.js";
export { packCheckpoint, unpackCheckpoint, saveCheckpoint, loadCheckpoint, CHECKPOINT_FORMAT } from "./checkpoint-file.js";
export type { Checkpoint } from "./checkpoint.js";
