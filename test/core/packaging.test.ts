// The library stands alone (DESIGN principle 9): `import "fundl"` reaches no package, and the
// packages only the command line needs are optional peer dependencies (left out of a library
// install) and dev dependencies (so a clone's `npm install` has them). Reads the built output.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};

/** Every module specifier the built file `entry` reaches through relative imports: static ones, and dynamic ones written as string literals. */
function reachableSpecifiers(entry: string): { static: Set<string>; dynamic: Set<string> } {
  const found = { static: new Set<string>(), dynamic: new Set<string>() };
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(file, "utf8");
    const take = (spec: string, kind: "static" | "dynamic") => {
      if (spec.startsWith(".")) visit(resolve(dirname(file), spec));
      else found[kind].add(spec);
    };
    for (const m of code.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm)) take((m[1] ?? m[2])!, "static");
    for (const m of code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) take(m[1]!, "dynamic");
  };
  visit(join(root, entry));
  return found;
}

const isBuiltin = (s: string) => s.startsWith("node:");

describe("packaging", () => {
  it("gives the library no runtime dependency, and reaches no package from the core", () => {
    expect(pkg.dependencies ?? {}).toEqual({});
    const core = reachableSpecifiers("dist/index.js");
    expect([...core.static].filter((s) => !isBuiltin(s))).toEqual([]);
    expect([...core.dynamic].filter((s) => !isBuiltin(s))).toEqual([]);
    // Node-only modules are reached dynamically (so a page never loads them), never statically
    expect([...core.static]).toEqual([]);
  });

  it("makes every package the command line imports an optional peer and a dev dependency", () => {
    const cli = [...reachableSpecifiers("dist/cli.js").static].filter((s) => !isBuiltin(s)).map((s) => (s.startsWith("@") ? s.split("/").slice(0, 2).join("/") : s.split("/")[0]!));
    expect(cli.length).toBeGreaterThan(0);
    for (const name of new Set([...cli, "mnist"])) {
      expect(pkg.peerDependencies?.[name], `${name} is a peer dependency`).toBeDefined();
      expect(pkg.peerDependenciesMeta?.[name]?.optional, `${name} is optional`).toBe(true);
      expect(pkg.devDependencies?.[name], `${name} is a dev dependency`).toBeDefined();
    }
  });

  it("has the command say which packages to install when they are missing", () => {
    const dir = mkdtempSync(join(tmpdir(), "fundl-no-deps-"));
    try {
      for (const part of ["dist", "bin", "package.json"]) cpSync(join(root, part), join(dir, part), { recursive: true });
      let stderr = "";
      try {
        execFileSync(process.execPath, [join(dir, "bin/fundl.js"), "demo"], { cwd: dir, encoding: "utf8", stdio: "pipe" });
      } catch (err) {
        stderr = String((err as { stderr?: string }).stderr);
      }
      expect(stderr).toMatch(/the command line needs packages that a library install leaves out \(missing: .*commander/);
      expect(stderr).toMatch(/npm install .*commander@\^14/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
