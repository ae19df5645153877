/**
 * Browser-test harness: Debian's Chromium (found with `command -v chromium`, never downloaded)
 * driven by playwright-core, the web app built on demand and served by `fundl serve`'s server,
 * console errors collected per page, screenshots kept in test/browser/screenshots (git-ignored).
 */
import { execSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { startServer, type RunningServer } from "../../src/cli/serve.js";
import { ensureWebBuild } from "../../src/cli/web-build.js";

process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = "1";

/** The Chromium executable on PATH, or null. */
export function chromiumPath(): string | null {
  for (const name of ["chromium", "chromium-browser"]) {
    try {
      const p = execSync(`command -v ${name}`, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
      if (p) return p;
    } catch {
      // not this name
    }
  }
  return null;
}

export const SCREENSHOTS = join(import.meta.dirname, "screenshots");

const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

/** A served app and a browser. */
export interface Harness {
  server: RunningServer;
  browser: Browser;
  close(): Promise<void>;
}

export async function startHarness(executablePath: string): Promise<Harness> {
  await ensureWebBuild();
  const server = await startServer({ port: 0 });
  const browser = await chromium.launch({ executablePath, args: FLAGS, headless: true });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    server,
    browser,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** A page that records console errors and uncaught exceptions (the page's and its workers'). */
export async function openPage(h: Harness, path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await h.browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`page: ${e.message}`));
  page.on("worker", (w) => w.on("console", (m) => m.type() === "error" && errors.push(`worker console: ${m.text()}`)));
  await page.goto(h.server.url + path);
  return { page, errors };
}

/** Bytes ⇄ base64, to carry files between the page and Node. */
export const toBase64 = (b: Uint8Array): string => Buffer.from(b).toString("base64");
export const fromBase64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "base64"));
