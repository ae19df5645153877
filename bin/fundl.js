#!/usr/bin/env node
// The installed `fundl` command: runs the compiled CLI (built by `npm install` through `prepare`).
// The library needs no package; the command line needs a few (argument parsing, progress bars,
// plots, the digits). They are optional peer dependencies, so `npm install fundl` leaves them out
// and a clone's `npm install` brings them (they are dev dependencies too); when one is missing,
// say which and how to install them, instead of a raw module-not-found error.
import { readFileSync } from "node:fs";

function cliPackages() {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  return Object.entries(pkg.peerDependencies ?? {});
}

function isMissing(name) {
  try {
    import.meta.resolve(name);
    return false;
  } catch {
    return true;
  }
}

function missingPackageMessage(err) {
  const name = /Cannot find package '([^']+)'/.exec(String(err && err.message))?.[1];
  const packages = cliPackages();
  if (!name || !packages.some(([n]) => n === name)) return null;
  const missing = typeof import.meta.resolve === "function" ? packages.filter(([n]) => isMissing(n)).map(([n]) => n) : [name];
  return (
    `fundl: the command line needs packages that a library install leaves out (missing: ${missing.join(", ")}).\n` +
    `Install them beside fundl:  npm install ${packages.map(([n, v]) => `${n}@${v}`).join(" ")}`
  );
}

import("../dist/cli.js").then((m) => m.main(process.argv)).catch((err) => {
  const missing = err && err.code === "ERR_MODULE_NOT_FOUND" ? missingPackageMessage(err) : null;
  if (missing) {
    console.error(missing);
  } else if (err && err.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist/cli.js")) {
    console.error("fundl: the compiled CLI is missing; run `npm install` (or `npm run build`) first.");
  } else {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
  }
  process.exit(1);
});
