/**
 * Atomic file replacement: write to a temporary file in the same directory, flush it to disk
 * (fsync), then rename it over the target. Readers see the old file or the new one, never a
 * mixture; a crash before the rename leaves the old file untouched. The target's directory is
 * checked first (an error names the target, not the temporary file), and after a successful
 * rename the temporary files of the same target left by writers that were killed are removed.
 */
import { fsOrThrow } from "./node-fs.js";
import { checkWritableTarget, removeStaleTemps } from "./target.js";

/** Options of `atomicWriteFileSync` (a hook before the rename, for tests). */
export interface AtomicWriteOptions {
  /** Called after the temporary file is written and synced, just before the rename (tests use it to simulate a crash). */
  beforeRename?: (tempPath: string) => void;
}

/** Replace `file` with `bytes` atomically (see the module comment). */
export function atomicWriteFileSync(file: string, bytes: Uint8Array, options: AtomicWriteOptions = {}): void {
  const { fs, path } = fsOrThrow("atomicWriteFileSync");
  checkWritableTarget(file, "save");
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
    removeStaleTemps(file);
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
