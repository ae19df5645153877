/** `fundl demo`: a one-minute tour — a tensor, an einsum, a backward, a gradient check, the swap rule. */
import type { Command } from "commander";
import * as fl from "../index.js";
import { printJsonLine } from "./output.js";

export function runDemo(): { gradcheckOk: boolean; maxError: number; equations: string[] } {
  const W = fl.randn([3, 4], { seed: 1, dtype: "float64", requiresGrad: true });
  const x = fl.randn([2, 4], { seed: 2, dtype: "float64", requiresGrad: true });
  const y = fl.einsum("ck,bk->bc", W, x); // y[b,c] = Σ_k W[c,k]·x[b,k]
  const loss = y.tanh().sum();
  loss.backward();
  const check = fl.gradcheck((w, v) => fl.einsum("ck,bk->bc", w, v).tanh().sum(), [W, x]);
  const eq = fl.explainEinsum("ck,bk->bc", ["W", "x"]);
  return { gradcheckOk: check.ok, maxError: check.maxError, equations: [eq.forward, ...eq.backward] };
}

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("a short tour: tensors, einsum, backward, a gradient check and the swap-rule equations")
    .option("--json", "end with one JSON line of results")
    .action((options: { json?: boolean }) => {
      const W = fl.randn([3, 4], { seed: 1, requiresGrad: true });
      const x = fl.randn([2, 4], { seed: 2 });
      const r = runDemo();
      if (!options.json) {
        console.log("W =", W.toString());
        console.log("x =", x.toString());
        console.log("\ny = fl.einsum(\"ck,bk->bc\", W, x)\n", fl.einsum("ck,bk->bc", W, x).toString());
        console.log("\nThe forward equation and its swap-rule backward:");
        for (const e of r.equations) console.log("  " + e);
        console.log(`\ngradcheck (float64, central differences): ${r.gradcheckOk ? "ok" : "FAILED"}, max error ${r.maxError.toExponential(2)}`);
      } else {
        printJsonLine(r);
      }
      if (!r.gradcheckOk) process.exitCode = 1;
    });
}
