/** Saving and loading safetensors files (Node): `fl.io.save(path, stateDict, metadata?)`, `fl.io.load(path)`. */
import type { Tensor } from "../tensor.js";
import { atomicWriteFileSync, type AtomicWriteOptions } from "./atomic.js";
import { fsOrThrow } from "./node-fs.js";
import { deserialize, SafetensorsError, serialize, type Metadata, type SafetensorsContents } from "./safetensors.js";

/** Write tensors and string metadata to `file` in the safetensors format, atomically. */
export function save(file: string, tensors: Record<string, Tensor>, metadata: Metadata = {}, options: AtomicWriteOptions = {}): void {
  atomicWriteFileSync(file, serialize(tensors, metadata), options);
}

/** Read a safetensors file: every tensor (float32 or float64) and the metadata; throws naming the file on any damage. */
export function load(file: string): SafetensorsContents {
  const { fs } = fsOrThrow("load");
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new SafetensorsError(`${file}: cannot read (${code === "ENOENT" ? "no such file" : e instanceof Error ? e.message : String(e)})`);
  }
  return deserialize(bytes, file);
}
