/**
 * The coverage map: every part a), b), … of every problem of the seed, with the statements of the
 * key that the lab tested in it and their verdicts. A part with no tested statement is listed as such.
 */
import type { ProblemResult } from "./claim.js";
import type { StatementVerdict } from "./statement.js";

/** The parts of each problem of the seed ("" for a problem asked as one question). */
export const PARTS: Readonly<Record<string, readonly string[]>> = {
  P1: [""],
  P2: ["a", "b", "c"],
  P3: ["a", "b", "c"],
  P4: [""],
  P5: ["a", "b", "c", "d", "e"],
  P6: ["a", "b", "c", "d"],
};

/** One part of one problem and what the lab says about it. */
export interface PartCoverage {
  problem: string;
  part: string;
  statements: { id: string; verdict: StatementVerdict }[];
  /** At least one statement of the part was measured (verdict other than "not tested"). */
  tested: boolean;
}

/** The coverage of the problems that ran. */
export function coverage(problems: readonly ProblemResult[]): PartCoverage[] {
  const out: PartCoverage[] = [];
  for (const p of problems) {
    for (const part of PARTS[p.id] ?? [""]) {
      const statements = p.statements.filter((s) => s.part === part).map((s) => ({ id: s.id, verdict: s.verdict }));
      out.push({ problem: p.id, part, statements, tested: statements.some((s) => s.verdict !== "not tested") });
    }
  }
  return out;
}
