/**
 * The web app's digits: the `mnist` package's 10,000 digits in fl's "FLMN" bytes
 * (fl.data.encodeMnistBytes, 7.85 MB), gzip-compressed to about 1.6 MB at build time
 * (vite.config.ts), fetched and read here; the pixels equal fl.data.loadMnist()'s bit for bit.
 */
import * as fl from "../../src/index.js";

/** Fetch the gzip-compressed FLMN file at `url` and read it (browsers and Node ≥ 18). */
export async function fetchMnistAsset(url: string | URL): Promise<fl.data.TensorDataset> {
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`fetchMnistAsset: GET ${String(url)} answered ${res.status} ${res.statusText}`);
  const plain = res.body.pipeThrough(new DecompressionStream("gzip"));
  return fl.data.mnistFromBytes(new Uint8Array(await new Response(plain).arrayBuffer()));
}
