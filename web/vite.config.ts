/**
 * The web app (web/): three pages built by Vite into web/dist, with the fundl sources bundled in
 * (no CDN), module workers, and the MNIST digits emitted as a compact binary asset
 * (fl's "FLMN" bytes, gzip-compressed) read from the `mnist` package at build time.
 * `fundl serve` builds this on demand and serves it with the COOP/COEP headers threads need.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { defineConfig, type Plugin } from "vite";
import { MNIST_ASSET } from "./src/paths.js";

const here = dirname(fileURLToPath(import.meta.url));

/** The `mnist` package's digits (fl.data.loadMnist, Node) as fl's "FLMN" bytes, gzip-compressed: 1.6 MB. */
function mnistAsset(): Plugin {
  return {
    name: "fundl-mnist-asset",
    apply: "build",
    async generateBundle() {
      // the compiled library (npm install and npm run build make dist/), read in Node at build time
      const fl = (await import(pathToFileURL(resolve(here, "..", "dist", "index.js")).href)) as typeof import("../src/index.js");
      const source = gzipSync(fl.data.encodeMnistBytes(await fl.data.loadMnist()));
      this.emitFile({ type: "asset", fileName: MNIST_ASSET, source });
    },
  };
}

export default defineConfig({
  root: here,
  base: "./",
  logLevel: "warn",
  plugins: [mnistAsset()],
  build: {
    outDir: resolve(here, "dist"),
    emptyOutDir: true,
    target: "esnext",
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      input: {
        index: resolve(here, "index.html"),
        lab: resolve(here, "lab.html"),
        train: resolve(here, "train.html"),
        explorer: resolve(here, "explorer.html"),
      },
    },
  },
  worker: { format: "es" },
});
