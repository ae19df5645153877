/**
 * Atomic file replacement: write to a temporary file in the same directory, flush it to disk
 * (fsync), then rename it over the target. Readers see the old file or the new one, never a
 * mixture; a crash before the rename leaves the old file untouched.
 */
import { fsOrThrow } from "./node-fs.js";

/** Options of `atomicWriteFileSync` (a hook before the rename, for tests). */
export interface AtomicWriteOptions {
  /** Called after the temporary file is written and synced, just before the rename (tests use it to simulate a crash). */
  beforeRename?: (tempPath: string) => void;
}

/**
 * Write `bytes` to `file` atomically: into a temporary file in the same folder, synced, then renamed over
 * `file`, so a crash leaves the old file or the new one, never half of one.
 */
export function atomicWriteFileSync(file: string, bytes: Uint8Array, options: AtomicWriteOptions = {}): void {
  const { fs, path } = fsOrThrow("atomicWriteFileSync");
  const dir = path.dirname(path.resolve(file));
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
  let fd: number | null = null;
  let renamed = false;
  try {
    fd = fs.openSync(temp, "wx", 0o644);
    let written = 0;
    while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    options.beforeRename?.(temp);
    fs.renameSync(temp, file);
    renamed = true;
    // make the rename itself durable (best effort: not every platform can fsync a directory)
    try {
      const dfd = fs.openSync(dir, "r");
      try {
        fs.fsyncSync(dfd);
      } finally {
        fs.closeSync(dfd);
      }
    } catch {
      /* directory fsync unsupported here */
    }
  } finally {
    if (fd !== null) fs.closeSync(fd);
    if (!renamed) {
      try {
        fs.unlinkSync(temp);
      } catch {
        /* already gone */
      }
    }
  }
}
