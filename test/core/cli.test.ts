// The package as a user meets it: the `fundl` bin and `import("fundl")` by self-reference.
// These run the built output (the test script builds first).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { VERSION } from "../../src/index.js";

const root = new URL("../../", import.meta.url).pathname;
const run = (args: string[]) => execFileSync(process.execPath, ["bin/fundl.js", ...args], { cwd: root, encoding: "utf8" });

describe("the fundl command", () => {
  it("prints help and version", () => {
    expect(run(["--help"])).toContain("Usage: fundl");
    expect(run(["--version"]).trim()).toBe(VERSION);
  });
  it("keeps the version in step with package.json", () => {
    expect(JSON.parse(readFileSync(`${root}package.json`, "utf8")).version).toBe(VERSION);
  });
  it("runs the demo with a JSON last line", () => {
    const lines = run(["demo", "--json"]).trim().split("\n");
    const last = JSON.parse(lines[lines.length - 1]!);
    expect(last.gradcheckOk).toBe(true);
    expect(last.equations[1]).toBe("W.grad[c,k] += y.grad[b,c]·x[b,k]");
  });
  it("reports an unknown verb", () => {
    expect(() => execFileSync(process.execPath, ["bin/fundl.js", "nope"], { cwd: root, stdio: "pipe" })).toThrow(/unknown command/);
  });
  it("is importable as `fundl` from the repository root", () => {
    const out = execFileSync(process.execPath, ["-e", 'import("fundl").then(m => console.log(Object.keys(m).includes("einsum")))'], { cwd: root, encoding: "utf8" });
    expect(out.trim()).toBe("true");
  });
});
