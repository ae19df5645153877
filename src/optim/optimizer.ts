/**
 * Optimizer: the shared machinery of SGD, Adam and AdamW — a list of parameters, a settable
 * learning rate, per-parameter state (momentum buffers, moments, step counts) and a state dict
 * that checkpoints can carry. Updates run in place on `param.data`, outside autograd.
 */
import { Tensor } from "../tensor.js";
import { fmt, sameShape } from "../shape.js";
import { firstNonFinite } from "../finite.js";

/** Numbers and flags that configure an optimiser (lr, betas, …); saved alongside its state. */
export type HyperParams = Record<string, number | boolean | number[]>;

/**
 * An optimiser's state: its kind, hyperparameters, and per-parameter tensors named
 * `"<index>.<name>"` as in PyTorch's `state_dict()["state"]` (`"0.momentum_buffer"`,
 * `"3.exp_avg"`, `"3.exp_avg_sq"`, `"3.step"`). Index is the parameter's position in the list.
 */
export interface OptimizerStateDict {
  /** The optimiser's class ("SGD", "Adam", "AdamW"). */
  kind: string;
  /** Its hyperparameters. */
  hyper: HyperParams;
  /** Per-parameter state tensors named "<index>.<name>". */
  state: Record<string, Tensor>;
  /**
   * The indices of the parameters that have state (written by `stateDict()`): loading checks that
   * each of them has every state tensor and no other parameter has any, so a state dict that lost
   * tensors is refused. Hand-built dicts may leave it out; then each parameter's state must still
   * be all there or all absent.
   */
  stateIndices?: number[];
}

/**
 * Thrown for bad optimiser settings or a state dict that does not fit the optimiser (the message names what is
 * wrong).
 */
export class OptimizerError extends Error {
  override name = "OptimizerError";
}

/** Options of `Optimizer.zeroGrad`. */
export interface ZeroGradOptions {
  /** true (default): drop the gradients (`p.grad = null`); false: fill them with zeros in place. */
  setToNone?: boolean;
}

/**
 * Base class of SGD, Adam and AdamW: the parameters, a settable learning rate, per-parameter state, and a state
 * dict for checkpoints.
 */
export abstract class Optimizer {
  /** The parameters this optimiser updates, in order (state-dict indices refer to it). */
  readonly params: readonly Tensor[];
  private lrValue = 0;
  /** Per-parameter state tensors, by parameter index then name. */
  protected readonly state: Map<number, Map<string, Tensor>> = new Map();

  constructor(params: Iterable<Tensor>, lr: number) {
    const list = [...params];
    const kind = this.constructor.name;
    if (list.length === 0) throw new OptimizerError(`${kind}: got an empty parameter list`);
    const seen = new Set<Tensor>();
    list.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new OptimizerError(`${kind}: parameter ${i} is not a Tensor`);
      if (seen.has(p)) throw new OptimizerError(`${kind}: parameter ${i} appears more than once in the list`);
      seen.add(p);
    });
    checkNonNegative(kind, "lr", lr);
    this.params = list;
    this.lr = lr;
  }

  /** Learning rate; schedules and user code may set it between steps (a finite number ≥ 0: NaN or Inf is refused). */
  get lr(): number {
    return this.lrValue;
  }
  set lr(v: number) {
    checkNonNegative(this.constructor.name, "lr", v);
    this.lrValue = v;
  }

  /** Apply one update to every parameter that has a gradient (parameters with `grad === null` are skipped). */
  step(): void {
    this.params.forEach((p, i) => {
      if (p.grad === null) return;
      if (p.grad.size !== p.size) {
        throw new OptimizerError(`${this.constructor.name}.step: parameter ${i} has shape ${fmt(p.shape)} but its grad has shape ${fmt(p.grad.shape)}`);
      }
      this.update(i, p, p.grad.data);
      p.bumpVersion(); // an in-place change: a graph recorded before this step can no longer run backward through p
    });
  }

  /**
   * Drop every parameter's gradient (PyTorch 2's `zero_grad()`, set_to_none=True), or with
   * `{ setToNone: false }` set it to zeros in place (PyTorch 1's default): the next backward then
   * adds into the same storage instead of allocating a fresh gradient (no page faults on new memory
   * each step; a gradient tensor held from before is zeroed too).
   */
  zeroGrad(options: ZeroGradOptions = {}): void {
    if (typeof options !== "object" || options === null) throw new TypeError(`zeroGrad: options must be an object like { setToNone: false }, got ${options === null ? "null" : typeof options}`);
    const setToNone = options.setToNone ?? true;
    if (typeof setToNone !== "boolean") throw new TypeError(`zeroGrad: setToNone must be true or false, got ${JSON.stringify(setToNone)}`);
    for (const p of this.params) {
      if (setToNone || p.grad === null) p.grad = null;
      else p.grad.data.fill(0);
    }
  }

  /** Update parameter `i` in place from its gradient values `g`. */
  protected abstract update(i: number, p: Tensor, g: ArrayLike<number>): void;

  /** Hyperparameters, as saved in the state dict (always including lr). */
  abstract hyper(): HyperParams;

  /** Restore hyperparameters from a state dict (lr included). */
  protected abstract setHyper(h: HyperParams): void;

  /** The state tensor `name` of parameter `i`, created as zeros shaped like the parameter on first use. */
  protected buffer(i: number, name: string, shape: readonly number[] = this.params[i]!.shape): Tensor {
    let m = this.state.get(i);
    if (!m) this.state.set(i, (m = new Map()));
    let t = m.get(name);
    if (!t) {
      const p = this.params[i]!;
      const n = shape.reduce((a, b) => a * b, 1);
      // step counts are kept in float64 (exact to 2^53); buffers in the parameter's dtype
      const data = name === "step" || p.dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
      m.set(name, (t = new Tensor(data, shape)));
    }
    return t;
  }

  protected hasBuffer(i: number, name: string): boolean {
    return this.state.get(i)?.has(name) ?? false;
  }

  /** Copies of the state: kind, hyperparameters and per-parameter tensors. */
  stateDict(): OptimizerStateDict {
    const state: Record<string, Tensor> = {};
    for (const [i, m] of [...this.state.entries()].sort((a, b) => a[0] - b[0])) {
      for (const [n, t] of m) state[`${i}.${n}`] = t.clone();
    }
    const stateIndices = [...this.state.entries()].filter(([, m]) => m.size > 0).map(([i]) => i).sort((a, b) => a - b);
    return { kind: this.constructor.name, hyper: structuredClone(this.hyper()), state, stateIndices };
  }

  /**
   * Restore state saved by `stateDict()` of an optimiser of the same kind over parameters of the
   * same shapes. Everything is checked before anything changes.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const kind = this.constructor.name;
    if (sd.kind !== kind) throw new OptimizerError(`${kind}.loadStateDict: the state dict is for ${sd.kind}, not ${kind}`);
    const names = this.stateNames();
    const next = new Map<number, Map<string, Tensor>>();
    const problems: string[] = [];
    for (const [key, t] of Object.entries(sd.state)) {
      const m = /^(\d+)\.([A-Za-z_]+)$/.exec(key);
      if (!m) {
        problems.push(`${key}: not "<param index>.<name>"`);
        continue;
      }
      const i = Number(m[1]);
      const name = m[2]!;
      const p = this.params[i];
      if (!p) {
        problems.push(`${key}: there are only ${this.params.length} parameters`);
        continue;
      }
      if (!names.includes(name)) {
        problems.push(`${key}: ${kind} keeps no "${name}" (it keeps ${names.join(", ")})`);
        continue;
      }
      const want = name === "step" ? [] : p.shape;
      if (!(t instanceof Tensor) || !sameShape(t.shape, want)) {
        problems.push(`${key}: shape ${t instanceof Tensor ? fmt(t.shape) : "(not a tensor)"}, expected ${fmt(want)}`);
        continue;
      }
      if (!next.has(i)) next.set(i, new Map());
      const copy = name === "step" ? new Tensor(Float64Array.from(t.data), []) : new Tensor(p.dtype === "float64" ? Float64Array.from(t.data) : Float32Array.from(t.data), p.shape);
      next.get(i)!.set(name, copy);
    }
    // missing state is as wrong as unexpected state: a restarted moment or step count breaks an exact resume
    const expected = sd.stateIndices;
    if (expected !== undefined) {
      if (!Array.isArray(expected) || !expected.every((i) => Number.isInteger(i) && i >= 0 && i < this.params.length)) {
        problems.push(`stateIndices must list parameter indices below ${this.params.length}, got ${JSON.stringify(expected)}`);
      } else {
        for (const i of expected) if (!next.has(i)) problems.push(`parameter ${i}: its state (${names.map((n) => `${i}.${n}`).join(", ")}) is missing`);
        for (const i of next.keys()) if (!expected.includes(i)) problems.push(`parameter ${i} has state but stateIndices does not list it`);
      }
    }
    for (const [i, m] of next) {
      const missing = this.requiredStateNames().filter((n) => !m.has(n));
      if (missing.length) problems.push(`parameter ${i}: ${missing.map((n) => `${i}.${n}`).join(", ")} missing (${kind} keeps ${this.requiredStateNames().join(", ")} together)`);
    }
    if (problems.length) throw new OptimizerError(`${kind}.loadStateDict: ${problems.join("; ")}`);
    this.setHyper(sd.hyper);
    this.state.clear();
    for (const [i, m] of next) this.state.set(i, m);
  }

  /**
   * The first state value that is NaN or ±Inf, as `{ key: "<index>.<name>", index, value }`, or
   * null when all are finite (divergence guards call it; it copies nothing).
   */
  firstNonFiniteState(): { key: string; index: number; value: number } | null {
    for (const [i, m] of this.state) {
      for (const [name, t] of m) {
        const k = firstNonFinite(t.data);
        if (k >= 0) return { key: `${i}.${name}`, index: k, value: t.data[k]! };
      }
    }
    return null;
  }

  /** Names of the per-parameter state this optimiser keeps. */
  protected abstract stateNames(): string[];

  /** The state names a parameter with any state must have all of (by default every one of stateNames()). */
  protected requiredStateNames(): string[] {
    return this.stateNames();
  }
}

/** Refuse, naming the optimiser and the setting, anything but a finite number ≥ 0. */
export function checkNonNegative(kind: string, name: string, v: unknown): asserts v is number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new OptimizerError(`${kind}: ${name} must be a finite number ≥ 0, got ${String(v)}`);
}

/** A number from saved hyperparameters, or an error naming it. */
export function readNumber(kind: string, h: HyperParams, name: string): number {
  const v = h[name];
  if (typeof v !== "number") throw new OptimizerError(`${kind}.loadStateDict: hyperparameter "${name}" is missing or not a number`);
  return v;
}
