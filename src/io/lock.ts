/**
 * An advisory lock on a file path for the length of a job (a training run that saves to it every
 * epoch): `<file>.lock`, created exclusively, holding the owner's process id. A second job on the
 * same path is refused with a message naming the holder; a lock left by a process that no longer
 * runs (killed) is taken over.
 */
import { fsOrThrow } from "./node-fs.js";
import { processAlive } from "./target.js";

/** Raised when another running process holds the lock. */
export class FileLockError extends Error {
  override name = "FileLockError";
}

/** A held lock; `release()` removes the lock file (once; later calls do nothing). */
export interface FileLock {
  /** The lock file's path. */
  readonly path: string;
  release(): void;
}

interface LockInfo {
  pid: number;
  since: string;
  what: string;
}

/** Take the lock on `file` for `what` (named in the refusal another job would get). */
export function lockFile(file: string, what: string): FileLock {
  const { fs } = fsOrThrow("lockFile");
  const lockPath = `${file}.lock`;
  const info: LockInfo = { pid: process.pid, since: new Date().toISOString(), what };
  const text = JSON.stringify(info);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, text, { flag: "wx" });
      let held = true;
      return {
        path: lockPath,
        release() {
          if (!held) return;
          held = false;
          try {
            if (fs.readFileSync(lockPath, "utf8") === text) fs.unlinkSync(lockPath);
          } catch {
            /* already removed */
          }
        },
      };
    } catch (e) {
      if ((e as { code?: string }).code !== "EEXIST") throw e;
    }
    let other: Partial<LockInfo> = {};
    let otherText = "";
    try {
      otherText = fs.readFileSync(lockPath, "utf8");
      other = JSON.parse(otherText) as Partial<LockInfo>;
    } catch {
      /* unreadable or half-written: treat as stale below only if its owner cannot be found */
    }
    if (typeof other.pid === "number" && other.pid !== process.pid && processAlive(other.pid)) {
      throw new FileLockError(
        `${file} is in use: process ${other.pid} (${other.what ?? "another job"}, since ${other.since ?? "?"}) holds ${lockPath}; ` +
          `two jobs writing one file would overwrite each other's results — use another path, or wait for it to finish`,
      );
    }
    if (other.pid === process.pid) throw new FileLockError(`${file} is already locked by this process (${other.what ?? "another job"}); two jobs writing one file would overwrite each other`);
    // the holder is gone (killed): take the lock over — removing it only if it is still the
    // stale one just read (another job taking it over at the same moment may have replaced it)
    try {
      if (fs.readFileSync(lockPath, "utf8") === otherText) fs.unlinkSync(lockPath);
    } catch {
      /* someone else removed it first */
    }
  }
  throw new FileLockError(`${file}: could not take the lock ${lockPath}`);
}
