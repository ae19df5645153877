/**
 * An advisory lock on a file path for the length of a job (a training run that saves to it every
 * epoch): `<file>.lock`, holding the owner's process id, written to a temporary file and then
 * hard-linked into place (exclusive, and never seen empty). A second job on the
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

/**
 * How long a lock file without a readable owner (empty or cut short: left by a writer of an older
 * fundl that created it before writing it, or damaged) counts as held. Within this time its writer
 * may still be about to fill it in; after it, the file is stale and taken over.
 */
const UNNAMED_LOCK_STALE_MS = 10_000;

/** Take the lock on `file` for `what` (named in the refusal another job would get). */
export function lockFile(file: string, what: string): FileLock {
  const { fs, path } = fsOrThrow("lockFile");
  const lockPath = `${file}.lock`;
  const info: LockInfo = { pid: process.pid, since: new Date().toISOString(), what };
  const text = JSON.stringify(info);
  for (let attempt = 0; attempt < 2; attempt++) {
    if (placeAtomically(fs, path, lockPath, text)) {
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
    }
    let other: Partial<LockInfo> = {};
    let otherText: string;
    let ageMs: number;
    try {
      otherText = fs.readFileSync(lockPath, "utf8");
      ageMs = Date.now() - fs.statSync(lockPath).mtimeMs;
    } catch {
      continue; // removed between our attempt and this read: try again
    }
    try {
      other = JSON.parse(otherText) as Partial<LockInfo>;
    } catch {
      /* not JSON: see below */
    }
    if (typeof other.pid !== "number") {
      // no owner to look up: held while young (its writer may be filling it in), stale when old
      if (ageMs < UNNAMED_LOCK_STALE_MS) {
        throw new FileLockError(
          `${file} is in use: ${lockPath} is held but does not name its owner yet (written ${Math.max(0, Math.round(ageMs / 1000))} s ago); ` +
            `try again, or remove it if no job is writing ${file} (it is taken over once it is ${UNNAMED_LOCK_STALE_MS / 1000} s old)`,
        );
      }
    } else if (other.pid === process.pid) {
      throw new FileLockError(`${file} is already locked by this process (${other.what ?? "another job"}); two jobs writing one file would overwrite each other`);
    } else if (processAlive(other.pid)) {
      throw new FileLockError(
        `${file} is in use: process ${other.pid} (${other.what ?? "another job"}, since ${other.since ?? "?"}) holds ${lockPath}; ` +
          `two jobs writing one file would overwrite each other's results — use another path, or wait for it to finish`,
      );
    }
    // the holder is gone (killed), or an unnamed lock is old: take the lock over — removing it only
    // if it is still the stale one just read (another job taking it over may have replaced it)
    try {
      if (fs.readFileSync(lockPath, "utf8") === otherText) fs.unlinkSync(lockPath);
    } catch {
      /* someone else removed it first */
    }
  }
  throw new FileLockError(`${file}: could not take the lock ${lockPath}`);
}

/**
 * Put `text` at `lockPath` unless something is there; true when placed. The text is written to a
 * temporary file first and hard-linked into place (link fails with EEXIST if the path is taken),
 * so no other job ever sees the lock file existing but empty or half-written.
 */
function placeAtomically(fs: ReturnType<typeof fsOrThrow>["fs"], path: ReturnType<typeof fsOrThrow>["path"], lockPath: string, text: string): boolean {
  const temp = path.join(path.dirname(lockPath), `.${path.basename(lockPath)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  fs.writeFileSync(temp, text, { flag: "wx" });
  try {
    fs.linkSync(temp, lockPath);
    return true;
  } catch (e) {
    if ((e as { code?: string }).code !== "EEXIST") throw e;
    return false;
  } finally {
    try {
      fs.unlinkSync(temp);
    } catch {
      /* already gone */
    }
  }
}
