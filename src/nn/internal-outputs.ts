/**
 * Which layers' outputs nn.Sequential may hand to the graph to own (see src/storage.ts
 * `graphOwnedOutputs`): between two of fundl's own leaf layers, an output goes only to the next
 * layer's ops and into the graph, never to user code, so its storage can live in the kernels'
 * memory and go back for reuse when `backward()` frees the graph. The layers listed keep nothing of
 * their input outside the graph; a subclass (which may) is not one of them, nor is any container.
 */
import { graphOwnedOutputs } from "../storage.js";
import type { Module } from "./module.js";

const leafLayers = new Set<unknown>();

/** Mark classes whose forward keeps nothing of its input or output outside the graph (exact classes, not subclasses). */
export function markLeafLayers(...classes: Array<abstract new (...args: never[]) => Module>): void {
  for (const c of classes) leafLayers.add(c);
}

/** Whether `m` is exactly one of the marked leaf layers. */
export function isLeafLayer(m: Module): boolean {
  return leafLayers.has(m.constructor);
}

/** Run `layer` on `x`; its output is graph-owned when it goes straight into another leaf layer (`next`). */
export function runLayer(layer: Module, x: unknown, next: Module | undefined): unknown {
  if (next !== undefined && isLeafLayer(layer) && isLeafLayer(next)) return graphOwnedOutputs(() => layer.forward(x));
  return layer.forward(x);
}

/** `run` (a forward of `layer` fused with the layers after it); graph-owned when it goes straight into another leaf layer (`next`). */
export function runLayerAs<T>(layer: Module, run: () => T, next: Module | undefined): T {
  if (next !== undefined && isLeafLayer(layer) && isLeafLayer(next)) return graphOwnedOutputs(run);
  return run();
}
