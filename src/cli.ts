/**
 * The `fundl` command line. Each verb lives in src/cli/<verb>.ts and registers itself here.
 * Every verb accepts --json: the last line of standard output is then one JSON object.
 */
import { Command, CommanderError } from "commander";
import { VERSION } from "./version.js";
import { registerDemo } from "./cli/demo.js";
import { registerTrain } from "./cli/train.js";
import { registerBench } from "./cli/bench.js";
import { registerLab } from "./cli/lab.js";
import { registerServe } from "./cli/serve.js";

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("fundl")
    .description("fundl — deep learning in TypeScript, every op an index equation with a swap-rule backward")
    .version(VERSION, "-v, --version")
    .showHelpAfterError()
    .exitOverride();
  registerDemo(program);
  registerTrain(program);
  registerBench(program);
  registerLab(program);
  registerServe(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    console.error(`fundl: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
