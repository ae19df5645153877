// The API docs' checks: every public export has a doc comment (TypeDoc renders them), and every
// ```ts block of the README still compiles against the public types (dist/index.d.ts, built by
// `npm test` before the suite runs).
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import ts from "typescript";
import { publicSymbols, ROOT } from "./public-api.js";

describe("API docs", () => {
  it("every exported symbol of the public API has a doc comment", () => {
    const symbols = publicSymbols();
    expect(symbols.length).toBeGreaterThan(300);
    for (const name of ["Tensor", "einsum", "nn.Conv2d", "data.readIdx", "optim.Adam", "prob.MRF"]) expect(symbols.map((s) => s.name)).toContain(name);
    const missing = symbols.filter((s) => !s.documented).map((s) => `${s.name} (${s.file})`);
    expect(missing, `exports without a /** doc comment */:\n  ${missing.join("\n  ")}\n`).toEqual([]);
  });
});

/** A ```ts block of the README: its text, the line it starts on, and the prelude of the comment above it. */
interface Block {
  line: number;
  code: string;
  prelude: string;
}

/**
 * The README's ```ts blocks (other fence languages — sh, python, text — are not TypeScript and are
 * skipped). A block that uses names defined elsewhere declares them in an HTML comment right above
 * its fence: `<!-- prelude: declare const images: fl.Tensor; -->`.
 */
function readmeBlocks(markdown: string): Block[] {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue;
    const prelude = /^<!--\s*prelude:(.*)-->\s*$/.exec(lines[i - 1] ?? "")?.[1]?.trim() ?? "";
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    blocks.push({ line: start + 1, code: body.join("\n"), prelude });
  }
  return blocks;
}

/** The one global the README's blocks use that the ES library lacks (they run in Node and browsers alike). */
const CONSOLE = "declare const console: { log(...values: unknown[]): void };\n";

describe("README code blocks", () => {
  it("each ```ts block typechecks against the public types", () => {
    expect(existsSync(`${ROOT}dist/index.d.ts`), "dist/index.d.ts is missing: run `npm run build` first").toBe(true);
    const blocks = readmeBlocks(readFileSync(`${ROOT}README.md`, "utf8"));
    expect(blocks.length).toBeGreaterThan(3);
    // each block is its own module next to package.json, so `import * as fl from "fundl"` resolves
    // through the package's own "exports" to dist/index.d.ts
    const files = new Map<string, string>();
    for (const b of blocks) {
      const importsFl = /from\s+"fundl"/.test(b.code);
      const text = `${importsFl ? "" : 'import * as fl from "fundl";\n'}${CONSOLE}${b.prelude}\n${b.code}\nexport {};\n`;
      files.set(`${ROOT}README.line${b.line}.ts`, text);
    }
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ["lib.es2022.d.ts"],
      // no @types/node (it doubles the files to check): a block that needs Node's globals starts with
      // /// <reference types="node" />, and console comes from the one-line declaration above
      types: [],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
    };
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, version, onError) => (files.has(name) ? ts.createSourceFile(name, files.get(name)!, version) : getSourceFile(name, version, onError));
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => files.has(name) || fileExists(name);
    const readFile = host.readFile.bind(host);
    host.readFile = (name) => files.get(name) ?? readFile(name);
    const program = ts.createProgram([...files.keys()], options, host);
    const errors = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : null;
      const block = d.file ? d.file.fileName.replace(ROOT, "") : "";
      return `${block}${where ? `:${where.line + 1}` : ""}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
    expect(errors, `README blocks that no longer compile (line numbers count the added import and prelude):\n${errors.join("\n")}\n`).toEqual([]);
  });
});
