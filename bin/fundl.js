#!/usr/bin/env node
// The installed `fundl` command: runs the compiled CLI (built by `npm install` through `prepare`).
import("../dist/cli.js").then((m) => m.main(process.argv)).catch((err) => {
  if (err && err.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist/cli.js")) {
    console.error("fundl: the compiled CLI is missing; run `npm install` (or `npm run build`) first.");
  } else {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
  }
  process.exit(1);
});
