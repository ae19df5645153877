/** `fundl serve`'s server: isolation headers on every answer, 127.0.0.1 by default, nothing outside its folder. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DEFAULT_PORT, ISOLATION_HEADERS, startServer, type RunningServer } from "../../src/cli/serve.js";
import { sourceHash } from "../../src/cli/web-build.js";

// The race "a file is removed between the server's stat and its read", made certain: opening a file
// named vanish*.txt removes it first, as another process could.
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const createReadStream = ((path: string, ...rest: unknown[]) => {
    if (/vanish[^/]*\.txt$/.test(String(path))) fs.rmSync(path, { force: true });
    return (fs.createReadStream as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof fs.createReadStream;
  return { ...fs, default: { ...fs, createReadStream }, createReadStream };
});

/** A raw GET (no URL normalisation, so "/../" reaches the server as written). */
function get(url: string, path: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: "GET" }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("fundl serve", () => {
  const root = mkdtempSync(join(tmpdir(), "fundl-serve-"));
  let server: RunningServer;
  beforeAll(async () => {
    mkdirSync(join(root, "app"));
    writeFileSync(join(root, "app", "index.html"), "<!doctype html><title>t</title>");
    writeFileSync(join(root, "secret.txt"), "SECRET-CONTENT");
    server = await startServer({ root: join(root, "app"), port: 0 });
  });
  afterAll(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("binds 127.0.0.1 and sends the cross-origin isolation headers with every answer", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    for (const path of ["/", "/missing.js"]) {
      const r = await get(server.url, path);
      for (const [k, v] of Object.entries(ISOLATION_HEADERS)) expect(r.headers[k.toLowerCase()], `${path} ${k}`).toBe(v);
    }
    const index = await get(server.url, "/");
    expect(index.status).toBe(200);
    expect(index.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect((await get(server.url, "/missing.js")).status).toBe(404);
  });

  it("serves nothing outside its folder", async () => {
    for (const path of ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt"]) {
      const r = await get(server.url, path);
      expect(r.body, path).not.toContain("SECRET-CONTENT");
      expect([403, 404], path).toContain(r.status);
    }
  });

  it("names a port in use", async () => {
    const port = Number(new URL(server.url).port);
    await expect(startServer({ root, port })).rejects.toThrow(`serve: port ${port} on 127.0.0.1 is in use; pick another with --port`);
  });

  it("answers 500 for a file removed between stat and read, and keeps serving", async () => {
    writeFileSync(join(root, "app", "vanish.txt"), "soon gone");
    const r = await get(server.url, "/vanish.txt");
    expect(r.status).toBe(500);
    expect(r.body).toBe("could not read /vanish.txt");
    expect((await get(server.url, "/")).status).toBe(200);
  }, 10_000);

  it("names the default port when none was given and it is in use", async () => {
    // hold the default port (if something else already holds it, it is in use all the same)
    const blocker = createServer();
    await new Promise<void>((resolve) => {
      blocker.once("error", () => resolve());
      blocker.listen(DEFAULT_PORT, "127.0.0.1", () => resolve());
    });
    try {
      await expect(startServer({ root })).rejects.toThrow(`serve: port ${DEFAULT_PORT} on 127.0.0.1 is in use; pick another with --port`);
    } finally {
      await new Promise<void>((resolve) => (blocker.listening ? blocker.close(() => resolve()) : resolve()));
    }
  }, 10_000);

  it("hashes the web app's sources the same way twice (the build is redone only when they change)", () => {
    expect(sourceHash()).toMatch(/^[0-9a-f]{64}$/);
    expect(sourceHash()).toBe(sourceHash());
  });
});
