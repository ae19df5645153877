/**
 * Define-by-run autograd in the course's style. Each recorded op keeps a backward that reads the
 * output's `.grad` and *adds into* its inputs' `.grad`. `backward()` sorts the graph once
 * (iteratively — a 1,000-step recurrence is no problem) and runs those backwards in reverse
 * topological order. Leaves accumulate `.grad` across calls until zeroed; intermediate tensors get
 * a fresh `.grad` each call, dropped afterwards unless `retainGrad()` was asked for.
 */
import { allocate, type TypedArray } from "./dtype.js";
import { recycle, takeUninitialized, takeZeroed, type Lifetime } from "./grad-pool.js";
import { claimOutput, enterOp, leaveOp, releaseOwned, type OwnedStorage } from "./storage.js";
import { attributed, countWork } from "./profile.js";
import { broadcastOffsets, describeValue, fmt, sameShape, ShapeError, sizeOf, type Shape } from "./shape.js";
import { Tensor } from "./tensor.js";
import { firstNonFinite } from "./finite.js";

/** A node of the autograd graph: the op that made a tensor, its inputs, and its backward. */
export interface GradNode {
  /** The op's name. */
  op: string;
  /** The tensors the op read. */
  inputs: Tensor[];
  /** The inputs' and the output's versions when the forward ran (checked before the backward uses them). */
  versions?: { inputs: number[]; out: number };
  /** Reads `out.grad` and adds into the inputs' `.grad` (through `addGrad`/`gradBuffer`). */
  backward: (out: Tensor) => void;
  /** Whether a backward without retainGraph has already run through (and freed) this node. */
  freed: boolean;
  /** Called once when backward frees this node: hands back storage only its backward used. */
  release?: () => void;
  /** Graph-owned storage of the output (src/storage.ts), given back when this node is freed. */
  owned?: OwnedStorage | null;
}

/** Options of `Tensor.backward`. */
export interface BackwardOptions {
  /** Keep the graph so that backward can run through it again (default false). */
  retainGraph?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Grad mode and anomaly mode
// ---------------------------------------------------------------------------------------------

let gradEnabled = true;
let anomalyEnabled = false;

/** Whether ops record the graph now (false inside `noGrad`). */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Run `fn` without recording a graph (results do not require grad). */
export function noGrad<T>(fn: () => T): T {
  const saved = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = saved;
  }
}

/** Run `fn` with gradient recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  const saved = gradEnabled;
  gradEnabled = true;
  try {
    return fn();
  } finally {
    gradEnabled = saved;
  }
}

/**
 * Thrown by anomaly detection (`detectAnomaly`) when an op's forward or backward produces NaN or Inf; the
 * message names the op.
 */
export class AnomalyError extends Error {
  override name = "AnomalyError";
}

/** Turn anomaly detection on or off globally: the first op whose forward or backward makes NaN/Inf throws. */
export function setDetectAnomaly(on: boolean): void {
  anomalyEnabled = on;
}

export function isAnomalyEnabled(): boolean {
  return anomalyEnabled;
}

/** Run `fn` with anomaly detection on. */
export function detectAnomaly<T>(fn: () => T): T {
  const saved = anomalyEnabled;
  anomalyEnabled = true;
  try {
    return fn();
  } finally {
    anomalyEnabled = saved;
  }
}

function describeIndex(shape: Shape, flat: number): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(flat % shape[d]!);
    flat = Math.floor(flat / shape[d]!);
  }
  return `[${idx.join(",")}]`;
}

function checkFinite(where: string, t: Tensor, what: string, inputs: readonly Tensor[]): void {
  const i = firstNonFinite(t.data);
  if (i < 0) return;
  const badInput = inputs.findIndex((x) => firstNonFinite(x.data) >= 0);
  const cause = badInput >= 0 ? ` (input ${badInput} already held a non-finite value)` : " from finite inputs";
  throw new AnomalyError(`anomaly: ${where} produced ${t.data[i]} in ${what} at ${describeIndex(t.shape, i)}${cause}`);
}

// ---------------------------------------------------------------------------------------------
// Recording ops
// ---------------------------------------------------------------------------------------------

/** What an op's body returns to `runOp`: the output tensor, its backward, and the work it did. */
export interface OpResult {
  /** The op's output tensor. */
  out: Tensor;
  /** The op's backward: reads out.grad, adds into the inputs' grads. Omit for non-differentiable ops. */
  backward?: (out: Tensor) => void;
  /**
   * Called when a backward (without retainGraph) frees the op's node, after its backward ran:
   * storage private to the backward (maxPool2d's argmax) can go back for reuse here. A graph that
   * is never run backward simply leaves that storage to the garbage collector.
   */
  release?: () => void;
  /** Exact work of the forward, from the op's index equation (for `profile`). */
  multiplies?: number;
  adds?: number;
  extra?: Record<string, number>;
  /**
   * The op's settings that its inputs' shapes do not tell (conv2d's stride and padding, softmax's
   * dim, …), for the ONNX exporter's tracer; nothing else reads them.
   */
  attrs?: Readonly<Record<string, unknown>>;
}

/**
 * Watches ops as they run (the ONNX exporter's tracer): called once per outermost op, after its
 * forward, with the op's name, inputs, output and `attrs`. Ops an op runs inside its own forward
 * are not reported separately.
 */
export type OpTracer = (name: string, inputs: readonly Tensor[], out: Tensor, attrs: Readonly<Record<string, unknown>>) => void;

let tracer: OpTracer | null = null;

/** The tracer in effect, or null (the usual case: then runOp does nothing extra). */
export function getOpTracer(): OpTracer | null {
  return tracer;
}

/** Install (or, with null, remove) the op tracer; returns the one it replaces. */
export function setOpTracer(t: OpTracer | null): OpTracer | null {
  const saved = tracer;
  tracer = t;
  return saved;
}

/**
 * Run an op: its forward computes `out` (without recording anything inside), its work is counted
 * for the profiler, anomaly mode checks its output, and — when grad is on and an input needs
 * grad — its backward is attached to `out`.
 */
export function runOp(name: string, inputs: readonly Tensor[], forward: () => OpResult): Tensor {
  if (tracer !== null) return runTraced(tracer, name, inputs, forward);
  const record = gradEnabled && inputs.some((t) => t.requiresGrad);
  const res = attributed(name, () => {
    const saved = gradEnabled;
    gradEnabled = false;
    enterOp(record);
    try {
      const r = forward();
      countWork(r.multiplies ?? 0, r.adds ?? 0, r.extra);
      return r;
    } finally {
      leaveOp();
      gradEnabled = saved;
    }
  });
  const out = res.out;
  if (!(out instanceof Tensor)) {
    throw new TypeError(`runOp ${name}: the forward must return { out: Tensor, … }, but out is ${describeValue(out)}`);
  }
  if (anomalyEnabled) checkFinite(`${name} (forward)`, out, "its output", inputs);
  if (gradEnabled && res.backward && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out._node = {
      op: name,
      inputs: inputs.slice(),
      backward: res.backward,
      freed: false,
      release: res.release,
      owned: claimOutput(out.data, true),
      versions: { inputs: inputs.map((t) => t.version), out: out.version },
    };
  } else {
    claimOutput(out.data, false);
  }
  return out;
}

/** runOp under a tracer: ops run inside this op's forward are hidden from it; this op is reported. */
function runTraced(t: OpTracer, name: string, inputs: readonly Tensor[], forward: () => OpResult): Tensor {
  let attrs: Readonly<Record<string, unknown>> = {};
  const withAttrs = (): OpResult => {
    const r = forward();
    attrs = r.attrs ?? {};
    return r;
  };
  tracer = null;
  let out: Tensor;
  try {
    out = runOp(name, inputs, withAttrs);
  } finally {
    tracer = t;
  }
  t(name, inputs, out, attrs);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Adding into .grad
// ---------------------------------------------------------------------------------------------

/**
 * An intermediate's gradient goes back to the pool once its op's backward has read it (see
 * runBackward), so it may live where kernels use it in place; a leaf's or a retained one stays
 * with the user.
 */
function gradLifetime(t: Tensor): Lifetime {
  return t.isLeaf || t._retainGrad ? "user" : "recycled";
}

/** `t.grad`'s storage, created as zeros on first use — for backwards written as `x.grad[i] += …` loops. */
export function gradBuffer(t: Tensor): TypedArray {
  if (t.grad === null) t.grad = new Tensor(takeZeroed(t.dtype, t.size, gradLifetime(t)), t.shape, false);
  return t.grad.data;
}

/** Where a backward puts its contribution to a tensor's gradient (see `gradTarget`). */
export interface GradTarget {
  data: TypedArray;
  /** true: add into `data` (it holds a gradient already); false: overwrite every element of it. */
  accumulate: boolean;
}

/**
 * For backwards whose kernels can either add or overwrite: when `t` has no gradient yet, new
 * storage with arbitrary contents that the backward must overwrite entirely (`accumulate` false),
 * which saves the zero-fill and the read of zeros that adding would cost; otherwise `t.grad`'s
 * storage, to add into. Either way `t.grad` is set before the backward writes, so a tensor used
 * twice gets its second contribution added to the first.
 */
export function gradTarget(t: Tensor): GradTarget {
  if (t.grad !== null) return { data: t.grad.data, accumulate: true };
  t.grad = new Tensor(takeUninitialized(t.dtype, t.size, gradLifetime(t)), t.shape, false);
  return { data: t.grad.data, accumulate: false };
}

/**
 * Sum `g` (broadcast to a larger shape) back down to `shape`: out[...] = Σ over broadcast dims.
 * Used for every broadcasting op's backward.
 */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const n = g.shape.length;
  const off = n - shape.length;
  if (off < 0) throw new ShapeError(`sumToShape: cannot reduce ${fmt(g.shape)} to larger rank ${fmt(shape)}`);
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] !== 1 && shape[i] !== g.shape[i + off]) {
      throw new ShapeError(`sumToShape: ${fmt(g.shape)} does not broadcast from ${fmt(shape)} (dimension ${i})`);
    }
  }
  const out = allocate(g.dtype, sizeOf(shape));
  // out[j(i)] += g[i], with j(i) the element of `shape` that broadcasting read for g's element i
  const j = broadcastOffsets(shape, g.shape);
  const src = g.data;
  for (let i = 0; i < src.length; i++) out[j[i]!] += src[i]!;
  return new Tensor(out, shape, false);
}

/** t.grad += g, first summing g over any dims along which t was broadcast. */
export function addGrad(t: Tensor, g: Tensor): void {
  if (!t.requiresGrad) return;
  if (g.dtype !== t.dtype) throw new TypeError(`addGrad: gradient dtype ${g.dtype} does not match tensor dtype ${t.dtype}`);
  const r = sumToShape(g, t.shape);
  if (t.grad === null) {
    // a gradient is never aliased: adopt sumToShape's fresh array, or copy g
    let data = r.data;
    if (r === g) {
      data = takeUninitialized(t.dtype, t.size, gradLifetime(t));
      data.set(g.data);
    }
    t.grad = new Tensor(data, t.shape, false);
    return;
  }
  const dst = t.grad.data;
  const src = r.data;
  for (let i = 0; i < dst.length; i++) dst[i] = dst[i]! + src[i]!;
}

// ---------------------------------------------------------------------------------------------
// The backward traversal
// ---------------------------------------------------------------------------------------------

/** Tensors reachable from `root` through recorded ops, inputs before outputs (iterative DFS). */
export function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: { t: Tensor; next: number }[] = [{ t: root, next: 0 }];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const inputs = top.t._node?.inputs ?? [];
    if (top.next < inputs.length) {
      const child = inputs[top.next++]!;
      if (child.requiresGrad && !visited.has(child)) {
        visited.add(child);
        stack.push({ t: child, next: 0 });
      }
    } else {
      order.push(top.t);
      stack.pop();
    }
  }
  return order;
}

/** Refuse a backward whose saved tensors were changed in place after its forward (PyTorch's version check). */
function checkVersions(node: GradNode, out: Tensor): void {
  const v = node.versions;
  if (!v) return;
  const changed = (t: Tensor, then: number, what: string): void => {
    if (t.version === then) return;
    throw new Error(
      `backward: one of the tensors needed for the gradient of ${node.op} (${what}, shape ${fmt(t.shape)}) has been modified by an in-place operation ` +
        `after the forward: it is at version ${t.version}, expected version ${then}. Run the forward again after in-place changes (init, optimiser steps), or change a copy (clone()) instead`,
    );
  };
  node.inputs.forEach((t, i) => changed(t, v.inputs[i]!, `input ${i}`));
  changed(out, v.out, "its output");
}

export function runBackward(root: Tensor, grad?: Tensor, options: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new Error("backward: this tensor does not require grad (no input of the ops that made it had requiresGrad: true)");
  }
  if (grad !== undefined && !(grad instanceof Tensor)) {
    throw new TypeError(
      `backward: the gradient must be a Tensor of the root's shape ${fmt(root.shape)}, got ${Array.isArray(grad) ? "an array (wrap it: fl.tensor([...]))" : grad === null ? "null" : typeof grad}`,
    );
  }
  if (typeof options !== "object" || options === null) throw new TypeError(`backward: options must be an object like { retainGraph: true }, got ${options === null ? "null" : typeof options}`);
  let seed: Tensor;
  if (grad === undefined) {
    if (root.size !== 1) {
      throw new ShapeError(`backward: the root has shape ${fmt(root.shape)}; pass a gradient of that shape, or reduce it to a scalar first`);
    }
    seed = new Tensor(allocate(root.dtype, 1).fill(1), root.shape, false);
  } else {
    if (!sameShape(grad.shape, root.shape)) {
      throw new ShapeError(`backward: gradient shape ${fmt(grad.shape)} does not match the root's shape ${fmt(root.shape)}`);
    }
    if (grad.dtype !== root.dtype) throw new TypeError(`backward: gradient dtype ${grad.dtype} does not match the root's ${root.dtype}`);
    seed = grad;
  }
  const order = topoOrder(root);
  for (const t of order) if (!t.isLeaf) t.grad = null; // intermediate grads start fresh each call
  addGrad(root, seed);
  noGrad(() => {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i]!;
      const node = t._node;
      if (node === null) continue;
      if (node.freed) {
        throw new Error(
          `backward: the graph through ${node.op} was already freed by an earlier backward; pass { retainGraph: true } to the first call to go through it twice`,
        );
      }
      if (t.grad !== null) {
        checkVersions(node, t);
        attributed(`${node.op}.backward`, () => node.backward(t));
        if (anomalyEnabled) {
          for (const x of node.inputs) if (x.grad) checkFinite(`${node.op} (backward)`, x.grad, "a gradient", [t.grad!]);
        }
      }
      if (!options.retainGraph) {
        node.freed = true;
        node.inputs = [];
        node.backward = () => {};
        const release = node.release;
        node.release = undefined;
        release?.();
        if (node.owned) releaseOwned(node.owned);
        node.owned = null;
      }
      if (!t._retainGrad && !t.isLeaf && t.grad !== null) {
        // its op's backward has read it and nothing else can reach it: the storage goes back for reuse
        recycle(t.grad.data);
        t.grad = null;
      }
    }
  });
}
