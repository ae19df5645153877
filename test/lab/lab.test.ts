import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controlsAccepted, htmlReport, markdownReport, renderSvg, runLab, selectProblems, VERDICTS, type Claim, type LabResult, type Statement } from "../../src/lab/index.js";

const SEED_PROBLEMS = ["P1", "P2", "P3", "P4", "P5", "P6"];

/** Structural checks that hold whatever the verdicts are (the measurements decide those). */
function checkClaim(c: Claim): void {
  expect(c.id).toMatch(/^P\d/);
  expect(c.statement.length).toBeGreaterThan(0);
  expect(typeof c.measured).toBe("number");
  expect(Number.isFinite(c.measured)).toBe(true);
  expect(Number.isFinite(c.uncertainty) && c.uncertainty >= 0).toBe(true);
  expect(["agrees", "disagrees"]).toContain(c.verdict);
  expect(c.criterion.length).toBeGreaterThan(0);
  if (c.verdict === "agrees") {
    expect(c.corrected).toBeNull();
    expect(c.correctedVerdict).toBeNull();
  }
  if (c.correctedVerdict !== null) expect(typeof c.corrected).toBe("number");
}

describe("fundl lab (quick, in process)", () => {
  let r: LabResult;
  beforeAll(async () => {
    r = await runLab({ quick: true });
  });

  it("runs every problem of the seed, or says plainly why not", () => {
    expect(r.failed).toEqual([]);
    const ids = [...r.problems.map((p) => p.id), ...r.unavailable.map((u) => u.id)].sort();
    expect(ids).toEqual(SEED_PROBLEMS);
    for (const u of r.unavailable) expect(u.reason.length).toBeGreaterThan(0);
  });

  it("gives every claim a measured value, an uncertainty and a verdict", () => {
    for (const p of r.problems) {
      expect(p.claims.length).toBeGreaterThan(0);
      expect(p.setup.length).toBeGreaterThan(0);
      p.claims.forEach(checkClaim);
    }
    const all = r.problems.flatMap((p) => p.claims);
    expect(new Set(all.map((c) => c.id)).size).toBe(all.length);
    expect(r.summary.claims).toBe(all.length);
    expect(r.summary.agrees + r.summary.disagrees).toBe(all.length);
  });

  it("gives every statement of the key one verdict, quoted text and negative controls, all rejected", () => {
    const all: Statement[] = r.problems.flatMap((p) => p.statements);
    expect(new Set(all.map((s) => s.id)).size).toBe(all.length);
    for (const s of all) {
      expect(VERDICTS).toContain(s.verdict);
      expect(s.key.length).toBeGreaterThan(0);
      expect(s.why.length).toBeGreaterThan(0);
      expect(s.controls.length).toBeGreaterThan(0);
      if (s.verdict.startsWith("erratum")) {
        expect(s.correction?.line.length).toBeGreaterThan(0);
        expect(s.correction?.checks.agrees).toBe(true);
      }
    }
    expect(controlsAccepted(r)).toEqual([]);
    expect(r.summary.verdicts["unresolved"]).toBe(0);
    expect(r.summary.untestedParts).toEqual([]);
    expect(r.summary.statements).toBe(all.length);
  });

  it("renders the markdown and a self-contained html report with SVG plots", async () => {
    const svgs: Record<string, string> = {};
    const files: Record<string, string> = {};
    for (const p of r.problems) for (const pl of p.plots) (svgs[pl.id] = await renderSvg(pl)), (files[pl.id] = `plots/${pl.id}.svg`);
    expect(Object.keys(svgs).length).toBeGreaterThan(0);
    const html = htmlReport(r, svgs);
    expect(html).toContain("<svg");
    expect(html).not.toMatch(/<script/);
    const md = markdownReport(r, files);
    for (const p of r.problems) expect(md).toContain(`## ${p.id}`);
  });

  it("selects subsets and rejects unknown problem ids by name", () => {
    expect(selectProblems(["p1", "P4"]).run.map((p) => p.id)).toEqual(["P1", "P4"].filter((id) => selectProblems().run.some((p) => p.id === id)));
    expect(() => selectProblems(["P9"])).toThrow(/unknown problem P9/);
  });
});

describe("fundl lab --quick --json (command line)", () => {
  const root = resolve(__dirname, "../..");
  const out = mkdtempSync(join(tmpdir(), "fundl-lab-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("ends with one JSON line and writes report.md, report.html and results.json", () => {
    const stdout = execFileSync(process.execPath, ["bin/fundl.js", "lab", "--quick", "--json", "--only", "P1,P2,P4", "--out", out], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const lines = stdout.trim().split("\n");
    const json = JSON.parse(lines[lines.length - 1]!) as { problems: { id: string; title: string; statements: Statement[]; claims: Claim[] }[]; summary: LabResult["summary"] };
    expect(json.summary.statements).toBeGreaterThan(0);
    for (const p of json.problems) for (const st of p.statements) for (const k of ["id", "part", "key", "kind", "verdict", "why", "assumptions", "controls", "measurement"]) expect(st).toHaveProperty(k);
    expect(json.problems.length).toBeGreaterThan(0);
    for (const p of json.problems) {
      expect(typeof p.title).toBe("string");
      p.claims.forEach((c) => {
        checkClaim(c);
        for (const k of ["id", "statement", "params", "key", "measured", "uncertainty", "verdict", "corrected", "correctedVerdict", "note"]) expect(c).toHaveProperty(k);
      });
    }
    for (const f of ["report.md", "report.html", "results.json"]) expect(existsSync(join(out, f))).toBe(true);
    expect(readFileSync(join(out, "report.html"), "utf8")).toContain("<svg");
    const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as LabResult;
    expect(results.problems.map((p) => p.id)).toEqual(json.problems.map((p) => p.id));
  });
});
