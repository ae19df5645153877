/**
 * The public API's symbols as the TypeScript compiler sees them: every export of src/index.ts,
 * following `export * as ns` into namespaces, with whether it carries a doc comment. Used by the
 * API-docs test (TypeDoc builds the pages from the same comments).
 */
import ts from "typescript";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** One exported symbol: its dotted public name (e.g. `data.readIdx`) and where it is declared. */
export interface PublicSymbol {
  name: string;
  file: string;
  documented: boolean;
}

/**
 * Walk the exports of src/index.ts. Only binding is needed (no type checking), so the standard
 * library and @types are left out, which keeps this to a few seconds.
 */
export function publicSymbols(): PublicSymbol[] {
  const config = ts.getParsedCommandLineOfConfigFile(`${ROOT}tsconfig.json`, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!config) throw new Error("public-api: cannot read tsconfig.json");
  const entry = `${ROOT}src/index.ts`;
  const program = ts.createProgram({ rootNames: [entry], options: { ...config.options, noEmit: true, noLib: true, types: [] } });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!);
  if (!module) throw new Error("public-api: src/index.ts has no exports");
  const out: PublicSymbol[] = [];
  const visited = new Set<ts.Symbol>();
  const visit = (symbol: ts.Symbol, name: string): void => {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const declarations = target.declarations ?? [];
    // a namespace (`export * as nn from "./nn/index.js"`): its own exports are public too
    if (declarations.some((d) => ts.isSourceFile(d) || ts.isModuleDeclaration(d))) {
      if (visited.has(target)) return;
      visited.add(target);
      for (const e of checker.getExportsOfModule(target)) visit(e, `${name}.${e.name}`);
      return;
    }
    const documented = target.getDocumentationComment(checker).length > 0;
    out.push({ name, file: (declarations[0]?.getSourceFile().fileName ?? "?").replace(ROOT, ""), documented });
  };
  for (const e of checker.getExportsOfModule(module)) visit(e, e.name);
  return out;
}
