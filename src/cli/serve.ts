/**
 * `fundl serve [--port N] [--host H] [--rebuild] [--json]`: serve the web app (web/dist, built on
 * demand) on http://127.0.0.1:4173 by default, with the headers shared memory needs:
 * Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp make the
 * page cross-origin isolated, so fundl's fast backend can run threads in a Worker.
 */
import { createReadStream, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, sep } from "node:path";
import type { Command } from "commander";
import { printJsonLine } from "./output.js";
import { ensureWebBuild, WEB_DIST } from "./web-build.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".wasm": "application/wasm",
  ".gz": "application/octet-stream",
  ".safetensors": "application/octet-stream",
};

/** Headers on every response: cross-origin isolation (for SharedArrayBuffer), no sniffing. */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
  "X-Content-Type-Options": "nosniff",
};

/** The port `fundl serve` and `startServer` use when none is given. */
export const DEFAULT_PORT = 4173;

export interface ServeOptions {
  /** The port to listen on (default DEFAULT_PORT; 0 picks a free one). */
  port?: number;
  host?: string;
  /** The folder to serve (default web/dist). */
  root?: string;
}

/** A running server: its URL and a way to stop it. */
export interface RunningServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Serve the files under `root` (GET and HEAD only; nothing outside `root`). Port 0 picks a free one. */
export function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const root = options.root ?? WEB_DIST;
  const host = options.host ?? "127.0.0.1";
  const server = createServer((req, res) => {
    for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    } catch {
      res.writeHead(400).end("bad path");
      return;
    }
    if (path.endsWith("/")) path += "index.html";
    const file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end("outside the app");
      return;
    }
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new Error("not a file");
      size = st.size;
    } catch {
      res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end(`not found: ${path}`);
      return;
    }
    const headers = { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream", "Content-Length": size, "Cache-Control": "no-cache" };
    if (req.method === "HEAD") {
      res.writeHead(200, headers).end();
      return;
    }
    // the file can vanish (or become unreadable) between stat and open: answer 500 then, and cut a
    // response already under way, rather than let the stream's error end the server
    const stream = createReadStream(file);
    stream.on("error", (err) => {
      if (res.headersSent) res.destroy(err);
      else res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" }).end(`could not read ${path}`);
    });
    stream.on("open", () => {
      res.writeHead(200, headers);
      stream.pipe(res);
    });
  });
  const port = options.port ?? DEFAULT_PORT;
  return new Promise((resolvePromise, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      reject(new Error(err.code === "EADDRINUSE" ? `serve: port ${port} on ${host} is in use; pick another with --port` : `serve: ${err.message}`));
    });
    server.listen(port, host, () => {
      const { port } = server.address() as AddressInfo;
      const shown = host.includes(":") ? `[${host}]` : host;
      resolvePromise({
        url: `http://${shown}:${port}/`,
        server,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}

interface ServeCliOptions {
  port: number;
  host: string;
  rebuild?: boolean;
  json?: boolean;
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("serve the web app (lab, live MNIST training, einsum explorer) on a local URL")
    .option("--port <n>", "port (0 picks a free one)", (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port must be an integer from 0 to 65535, got "${v}"`);
      return n;
    }, DEFAULT_PORT)
    .option("--host <address>", "address to bind (use 0.0.0.0 to let other machines in)", "127.0.0.1")
    .option("--rebuild", "build the web app again even if web/dist looks up to date")
    .option("--json", "print one JSON line with the URL once serving")
    .action(async (options: ServeCliOptions) => {
      const built = await ensureWebBuild({ force: options.rebuild, log: (line) => process.stderr.write(line + "\n") });
      const running = await startServer({ port: options.port, host: options.host });
      if (options.json) printJsonLine({ url: running.url, root: WEB_DIST, built: built === "built" });
      else console.log(`fundl serve: ${running.url} (cross-origin isolated; press Ctrl+C to stop)`);
      await new Promise<void>((r) => running.server.once("close", () => r()));
    });
}
