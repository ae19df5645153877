/**
 * nn.Module: a container of named parameters, buffers and submodules, with PyTorch's naming
 * (`0.weight`, `conv1.bias`, `bn.running_mean`) and strict state-dict loading.
 */
import { Tensor } from "../tensor.js";
import { fmt, sameShape } from "../shape.js";

/** A module's parameters and buffers by their dotted names (`0.weight`, `bn.running_mean`). */
export type StateDict = Record<string, Tensor>;

/** Thrown by `loadStateDict` when names or shapes disagree with the module's (the message lists them). */
export class StateDictError extends Error {
  override name = "StateDictError";
}

/**
 * Base class of layers and models: named parameters, buffers and submodules with PyTorch's state-dict names,
 * train/eval mode, and strict state-dict loading.
 */
export abstract class Module {
  /** Training mode (dropout active, batch norm uses batch statistics) until `eval()`. */
  training = true;
  private readonly _parameters = new Map<string, Tensor | null>();
  private readonly _buffers = new Map<string, Tensor>();
  private readonly _modules = new Map<string, Module>();

  /** Compute the module's output (subclasses define it). */
  abstract forward(...inputs: unknown[]): unknown;

  /** Register a parameter (a leaf that requires grad) under `name` and return it. */
  protected param(name: string, t: Tensor | null): Tensor {
    this.checkName(name);
    if (t) t.requiresGrad = true;
    this._parameters.set(name, t);
    return t as Tensor;
  }

  /** Register a buffer: state saved in the state dict that is not trained (e.g. running means). */
  protected buffer(name: string, t: Tensor): Tensor {
    this.checkName(name);
    this._buffers.set(name, t);
    return t;
  }

  /** Register a submodule under `name` and return it. */
  protected module<M extends Module>(name: string, m: M): M {
    this.checkName(name);
    this._modules.set(name, m);
    return m;
  }

  /** Replace a registered buffer's tensor (buffers such as running statistics are reassigned). */
  protected setBuffer(name: string, t: Tensor): void {
    if (!this._buffers.has(name)) throw new Error(`setBuffer: ${this.constructor.name} has no buffer "${name}"`);
    this._buffers.set(name, t);
  }

  protected getBuffer(name: string): Tensor {
    const t = this._buffers.get(name);
    if (!t) throw new Error(`${this.constructor.name} has no buffer "${name}"`);
    return t;
  }

  private checkName(name: string): void {
    if (!name || name.includes(".")) throw new Error(`${this.constructor.name}: invalid name "${name}" (non-empty, no dots)`);
    if (this._parameters.has(name) || this._buffers.has(name) || this._modules.has(name)) {
      throw new Error(`${this.constructor.name}: "${name}" is already registered`);
    }
  }

  /** Direct submodules with their names. */
  namedChildren(): [string, Module][] {
    return [...this._modules.entries()];
  }

  /** Direct submodules. */
  children(): Module[] {
    return [...this._modules.values()];
  }

  /** This module and every submodule, depth first, with dotted names ("" for this one). */
  namedModules(prefix = ""): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [n, m] of this._modules) out.push(...m.namedModules(prefix ? `${prefix}.${n}` : n));
    return out;
  }

  /** Every parameter with its dotted name, in registration order (each tensor once). */
  namedParameters(prefix = ""): [string, Tensor][] {
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [mp, m] of this.namedModules(prefix)) {
      for (const [n, p] of m._parameters) {
        if (p && !seen.has(p)) {
          seen.add(p);
          out.push([mp ? `${mp}.${n}` : n, p]);
        }
      }
    }
    return out;
  }

  /** Every parameter of this module and its submodules, in registration order (each once). */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Every buffer (e.g. running statistics) with its dotted name. */
  namedBuffers(prefix = ""): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [mp, m] of this.namedModules(prefix)) {
      for (const [n, b] of m._buffers) out.push([mp ? `${mp}.${n}` : n, b]);
    }
    return out;
  }

  /** Parameters and buffers by dotted name (the tensors themselves, not copies). */
  stateDict(): StateDict {
    const sd: StateDict = {};
    for (const [mp, m] of this.namedModules()) {
      const pre = mp ? `${mp}.` : "";
      for (const [n, p] of m._parameters) if (p) sd[pre + n] = p;
      for (const [n, b] of m._buffers) sd[pre + n] = b;
    }
    return sd;
  }

  /**
   * Copy values from a state dict into this module's tensors, in place. Strict by default:
   * missing, unexpected and mis-shaped entries are all reported by name, and nothing is changed
   * unless everything fits.
   */
  loadStateDict(sd: StateDict, options: { strict?: boolean } = {}): { missing: string[]; unexpected: string[] } {
    const strict = options.strict ?? true;
    const own = this.stateDict();
    const missing = Object.keys(own).filter((k) => !(k in sd));
    const unexpected = Object.keys(sd).filter((k) => !(k in own));
    const problems: string[] = [];
    for (const [k, t] of Object.entries(own)) {
      const src = sd[k];
      if (!src) continue;
      if (!(src instanceof Tensor)) problems.push(`${k}: not a Tensor`);
      else if (!sameShape(src.shape, t.shape)) problems.push(`${k}: shape ${fmt(src.shape)} in the state dict, ${fmt(t.shape)} in the model`);
    }
    if (strict) {
      if (missing.length) problems.push(`missing: ${missing.join(", ")}`);
      if (unexpected.length) problems.push(`unexpected: ${unexpected.join(", ")}`);
    }
    if (problems.length) throw new StateDictError(`loadStateDict (${this.constructor.name}): ${problems.join("; ")}`);
    for (const [k, t] of Object.entries(own)) {
      const src = sd[k];
      if (!src) continue;
      const d = t.data;
      const s = src.data;
      for (let i = 0; i < d.length; i++) d[i] = s[i]!;
      t.bumpVersion();
    }
    return { missing, unexpected };
  }

  /** Set training mode on this module and every submodule. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** Switch this module and its submodules to eval mode (same as `train(false)`); returns this. */
  eval(): this {
    return this.train(false);
  }

  /** Drop every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Number of trainable values. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }
}
