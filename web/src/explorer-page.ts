/** Explorer page: spec + shapes → equations, gradient check and work counts (see explore.ts). */
import { h, setupPage, showError } from "./common.js";
import { explore, parseNames, parseShapes } from "./explore.js";

setupPage();
const form = document.getElementById("explorer-form") as HTMLFormElement;
const example = document.getElementById("example") as HTMLSelectElement;
const spec = document.getElementById("spec") as HTMLInputElement;
const shapes = document.getElementById("shapes") as HTMLInputElement;
const names = document.getElementById("names") as HTMLInputElement;
const out = document.getElementById("explorer-out")!;

example.addEventListener("change", () => {
  const [s, sh] = example.value.split("|");
  spec.value = s!;
  shapes.value = sh!.replaceAll(";", "; ");
  names.value = s === "ck,bk->bc" ? "W, x" : "";
  render();
});
form.addEventListener("submit", (e) => {
  e.preventDefault();
  render();
});

function render(): void {
  out.replaceChildren();
  out.classList.remove("error");
  out.removeAttribute("role");
  try {
    const r = explore(spec.value.trim(), parseShapes(shapes.value), parseNames(names.value));
    const fmt = (n: number) => n.toLocaleString("en");
    const shape = (s: number[]) => `[${s.join(", ")}]`;
    out.append(
      h("h2", {}, "Forward"),
      h("pre", { class: "eq", id: "forward-eq" }, r.forward),
      h("p", {}, `${r.names.map((n, i) => `${n}: ${shape(r.shapes[i]!)}`).join(", ")} → output ${shape(r.outputShape)}`),
      h("h2", {}, "Backward (swap rule)"),
      h("p", {}, "Each input's gradient is the forward equation with that input and the output swapped (the output's gradient takes the output's place)."),
      h("pre", { class: "eq", id: "backward-eq" }, r.backward.join("\n")),
      h("h2", {}, "Gradient check"),
      h("p", { id: "gradcheck" }, `${r.gradcheck.ok ? "passed" : "FAILED"}: the swap-rule gradients of random float64 inputs match central finite differences to ${r.gradcheck.maxError.toExponential(2)} (largest difference).`),
      h("h2", {}, "Work"),
      h("p", { id: "work" }, `forward: ${fmt(r.work.forward.multiplies)} multiplies, ${fmt(r.work.forward.adds)} adds; backward: ${fmt(r.work.backward.multiplies)} multiplies, ${fmt(r.work.backward.adds)} adds (counted by fl.profile; the backward is the swapped einsums above, run with y.grad = 1).`),
    );
  } catch (err) {
    showError(out, err instanceof Error ? err.message : String(err));
  }
}

render();
