/**
 * The web app's build (web/, built by Vite into web/dist): where it lives, whether the build is
 * out of date (a hash of the sources it is built from, web/ and src/, kept in web/dist), and
 * building it on demand. Node only; used by `fundl serve` and the browser tests.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: this file is src/cli/web-build.ts, or dist/cli/web-build.js once compiled. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The web app's sources and its build. */
export const WEB_DIR = join(PACKAGE_ROOT, "web");
export const WEB_DIST = join(WEB_DIR, "dist");
const HASH_FILE = join(WEB_DIST, ".source-hash");

function addFiles(dir: string, skip: Set<string>, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skip.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) addFiles(path, skip, out);
    else out.push(path);
  }
}

/** SHA-256 over the names and contents of web/ (but its build) and src/: what the build depends on. */
export function sourceHash(): string {
  const files: string[] = [];
  addFiles(WEB_DIR, new Set(["dist", "node_modules"]), files);
  addFiles(join(PACKAGE_ROOT, "src"), new Set(), files);
  const h = createHash("sha256");
  for (const f of files.sort()) h.update(relative(PACKAGE_ROOT, f)).update("\0").update(readFileSync(f)).update("\0");
  return h.digest("hex");
}

/** Why web/dist must be (re)built, or null when it was built from the sources as they are now. */
export function staleReason(): string | null {
  if (!existsSync(join(WEB_DIST, "index.html"))) return "web/dist has not been built";
  if (!existsSync(join(WEB_DIR, "vite.config.ts"))) return null; // an install without the sources: serve what is there
  const built = existsSync(HASH_FILE) ? readFileSync(HASH_FILE, "utf8").trim() : "";
  return built === sourceHash() ? null : "web/ or src/ changed since web/dist was built";
}

/** Build web/dist with Vite when it is missing or stale (or when `force`); returns what was done. */
export async function ensureWebBuild(options: { force?: boolean; log?: (line: string) => void } = {}): Promise<"built" | "fresh"> {
  const reason = options.force ? "a rebuild was asked for" : staleReason();
  if (reason === null) return "fresh";
  if (!existsSync(join(WEB_DIR, "vite.config.ts"))) {
    throw new Error(`serve: ${reason}, and this install has no web/ sources to build it from; run fundl serve from a clone of the repository`);
  }
  let vite: typeof import("vite");
  try {
    vite = await import("vite");
  } catch {
    throw new Error(`serve: ${reason}, and building it needs Vite (a devDependency): run npm install in ${PACKAGE_ROOT}`);
  }
  options.log?.(`serve: ${reason}; building the web app with Vite…`);
  const hash = sourceHash();
  await vite.build({ configFile: join(WEB_DIR, "vite.config.ts"), logLevel: "warn" });
  writeFileSync(HASH_FILE, hash + "\n");
  return "built";
}
