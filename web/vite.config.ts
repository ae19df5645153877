/**
 * The web app (web/): three pages built by Vite into web/dist, with the fundl sources bundled in
 * (no CDN), module workers, and the MNIST digits emitted as a compact binary asset
 * (data/mnist.bin.gz, see src/mnist-format.ts) read from the `mnist` package at build time.
 * `fundl serve` builds this on demand and serves it with the COOP/COEP headers threads need.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { defineConfig, type Plugin } from "vite";
import { encodeMnistAsset } from "./src/mnist-format.js";

const here = dirname(fileURLToPath(import.meta.url));

/** Read the `mnist` package's digits (class order, as fl.data.loadMnist) and emit them packed. */
function mnistAsset(): Plugin {
  return {
    name: "fundl-mnist-asset",
    apply: "build",
    generateBundle() {
      const require = createRequire(import.meta.url);
      const dir = join(dirname(require.resolve("mnist/package.json")), "src", "digits");
      const parts: number[][] = [];
      for (let d = 0; d < 10; d++) parts.push((JSON.parse(readFileSync(join(dir, `${d}.json`), "utf8")) as { data: number[] }).data);
      const count = parts.reduce((s, p) => s + p.length / 784, 0);
      const pixels = new Float32Array(count * 784);
      const labels = new Int32Array(count);
      let row = 0;
      parts.forEach((p, d) => {
        pixels.set(p, row * 784);
        labels.fill(d, row, row + p.length / 784);
        row += p.length / 784;
      });
      const source = gzipSync(encodeMnistAsset({ count, rows: 28, cols: 28, pixels, labels }), { level: 9 });
      this.emitFile({ type: "asset", fileName: "data/mnist.bin.gz", source });
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
