/**
 * Node's file system, loaded dynamically so that importing fundl in a browser pulls in nothing
 * Node-only (there, `serialize`/`deserialize` work and file functions throw a clear error).
 */
type Fs = typeof import("node:fs");
type PathMod = typeof import("node:path");

const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
const isNode = typeof proc?.versions?.node === "string";
// the specifiers are held in variables so that bundlers leave them alone
const fsId = "node:fs";
const pathId = "node:path";
const nodeFs: Fs | null = isNode ? ((await import(fsId)) as Fs) : null;
const nodePath: PathMod | null = isNode ? ((await import(pathId)) as PathMod) : null;

/** Node's fs and path modules, or an error naming `where` and what to do instead in a browser (`browserHint`). */
export function fsOrThrow(where: string, browserHint = "in a browser use fl.io.serialize / fl.io.deserialize"): { fs: Fs; path: PathMod } {
  if (!nodeFs || !nodePath) throw new Error(`${where}: needs Node's file system; ${browserHint}`);
  return { fs: nodeFs, path: nodePath };
}
