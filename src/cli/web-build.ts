/**
 * The web app's build (web/, built by Vite into web/dist): where it lives, whether the build is
 * older than its sources (web/ and src/), and building it on demand. Node only; used by
 * `fundl serve` and the browser tests.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: this file is src/cli/web-build.ts, or dist/cli/web-build.js once compiled. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The web app's sources and its build. */
export const WEB_DIR = join(PACKAGE_ROOT, "web");
export const WEB_DIST = join(WEB_DIR, "dist");

function newestMtime(dir: string, skip: Set<string>): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skip.has(entry.name)) continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path, skip) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Why web/dist must be (re)built, or null when it is newer than every source file. */
export function staleReason(): string | null {
  const index = join(WEB_DIST, "index.html");
  if (!existsSync(index)) return "web/dist has not been built";
  if (!existsSync(join(WEB_DIR, "vite.config.ts"))) return null; // an install without the sources: serve what is there
  const built = statSync(index).mtimeMs;
  const newest = Math.max(newestMtime(WEB_DIR, new Set(["dist", "node_modules"])), newestMtime(join(PACKAGE_ROOT, "src"), new Set()));
  return newest > built ? "web/ or src/ changed since web/dist was built" : null;
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
  await vite.build({ configFile: join(WEB_DIR, "vite.config.ts"), logLevel: "warn" });
  return "built";
}
