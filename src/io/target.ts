/**
 * Checks on a file a writer is about to replace, and the clean-up of what an interrupted atomic
 * write leaves behind. Temporary files are named `.<base>.<pid>.<random>.tmp` next to the target.
 */
import { fsOrThrow } from "./node-fs.js";

/** The pattern of a temporary file written by atomicWriteFileSync for the target named `base`. */
export function tempPattern(base: string): RegExp {
  const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^\\.${escaped}\\.(\\d+)\\.[a-z0-9]+\\.tmp$`);
}

/** Whether a process with this id is running on this machine (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}

/**
 * Refuse, naming `file`, a target that cannot be written: its directory missing or not a
 * directory or not writable, or the target itself a directory. `where` names the caller.
 */
export function checkWritableTarget(file: string, where: string): void {
  const { fs, path } = fsOrThrow(where);
  const dir = path.dirname(path.resolve(file));
  let st: import("node:fs").Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new Error(`${where}: cannot write ${file}: the directory ${dir} does not exist`);
  }
  if (!st.isDirectory()) throw new Error(`${where}: cannot write ${file}: ${dir} is not a directory`);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new Error(`${where}: cannot write ${file}: the directory ${dir} is not writable`);
  }
  let target: import("node:fs").Stats | null = null;
  try {
    target = fs.statSync(file);
  } catch {
    /* does not exist yet: fine */
  }
  if (target?.isDirectory()) throw new Error(`${where}: cannot write ${file}: it is a directory`);
}

/**
 * Remove temporary files of `file` left by writers that no longer run (a crash or kill during a
 * save). A temporary file whose writer is still alive (another process mid-write) is left alone.
 * Returns the names removed.
 */
export function removeStaleTemps(file: string): string[] {
  const { fs, path } = fsOrThrow("removeStaleTemps");
  const dir = path.dirname(path.resolve(file));
  const pattern = tempPattern(path.basename(file));
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && processAlive(pid)) continue;
    try {
      fs.unlinkSync(path.join(dir, name));
      removed.push(name);
    } catch {
      /* gone already, or not ours to remove */
    }
  }
  return removed;
}
