/**
 * Learning-rate schedules. Each holds its optimiser and a counter; `step()` advances the counter
 * (call it once per epoch or once per iteration — the unit is yours) and sets `optimizer.lr`.
 * Their state (counter, base lr) is a small record to put in checkpoint metadata.
 */
import type { Optimizer } from "./optimizer.js";
import { OptimizerError } from "./optimizer.js";

/** A learning-rate schedule's state: its kind, the steps taken and the base learning rate. */
export interface SchedulerState {
  /** The schedule's class name. */
  kind: string;
  /** `step()` calls so far. */
  lastStep: number;
  /** The base learning rate. */
  baseLr: number;
}

/**
 * Base class of learning-rate schedules: `step()` once per optimiser step sets the optimiser's lr; its state
 * dict goes into checkpoints.
 */
export abstract class LRScheduler {
  /** Number of `step()` calls so far. */
  lastStep = 0;
  /** The optimiser's learning rate when the schedule was created. */
  readonly baseLr: number;

  constructor(readonly optimizer: Optimizer) {
    this.baseLr = optimizer.lr;
  }

  /** The learning rate after `t` steps (t = 0 is the start). */
  abstract lrAt(t: number): number;

  /** Advance one step and set the optimiser's learning rate. */
  step(): void {
    this.lastStep++;
    this.optimizer.lr = this.lrAt(this.lastStep);
  }

  /** The learning rate now in force. */
  get lr(): number {
    return this.optimizer.lr;
  }

  /** The schedule's state for a checkpoint. */
  stateDict(): SchedulerState {
    return { kind: this.constructor.name, lastStep: this.lastStep, baseLr: this.baseLr };
  }

  /** Restore a state from `stateDict()`; throws if it belongs to another kind of schedule or another base lr. */
  loadStateDict(s: SchedulerState): void {
    const kind = this.constructor.name;
    if (s.kind !== kind) throw new OptimizerError(`${kind}.loadStateDict: the state is for ${s.kind}, not ${kind}`);
    if (!Number.isInteger(s.lastStep) || s.lastStep < 0) throw new OptimizerError(`${kind}.loadStateDict: lastStep must be an integer ≥ 0, got ${s.lastStep}`);
    if (s.baseLr !== this.baseLr) throw new OptimizerError(`${kind}.loadStateDict: base lr ${s.baseLr} in the state, ${this.baseLr} here`);
    this.lastStep = s.lastStep;
    this.optimizer.lr = this.lrAt(this.lastStep);
  }
}

/** Options of `StepLR`: step size and decay factor gamma. */
export interface StepLROptions {
  /** Multiply the learning rate by gamma every stepSize steps. */
  stepSize: number;
  /** Default 0.1. */
  gamma?: number;
}

/** γ_t = γ_0 · gamma^⌊t / stepSize⌋ (PyTorch's StepLR). */
export class StepLR extends LRScheduler {
  /** Steps between decays. */
  readonly stepSize: number;
  /** Factor applied at each decay. */
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: StepLROptions) {
    super(optimizer);
    if (!Number.isInteger(options.stepSize) || options.stepSize < 1) throw new OptimizerError(`StepLR: stepSize must be a positive integer, got ${options.stepSize}`);
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
    if (!Number.isFinite(this.gamma) || this.gamma < 0) throw new OptimizerError(`StepLR: gamma must be a finite number ≥ 0, got ${this.gamma}`);
  }

  lrAt(t: number): number {
    return this.baseLr * Math.pow(this.gamma, Math.floor(t / this.stepSize));
  }
}

/** Options of `CosineAnnealingLR`: the half period tMax and the final learning rate etaMin. */
export interface CosineAnnealingOptions {
  /** Steps in one half period: the learning rate reaches etaMin at t = tMax. */
  tMax: number;
  /** Default 0. */
  etaMin?: number;
}

/** γ_t = η_min + (γ_0 − η_min)(1 + cos(π t / T_max)) / 2 (PyTorch's CosineAnnealingLR, closed form). */
export class CosineAnnealingLR extends LRScheduler {
  /** Steps in one half period. */
  readonly tMax: number;
  /** The smallest learning rate. */
  readonly etaMin: number;

  constructor(optimizer: Optimizer, options: CosineAnnealingOptions) {
    super(optimizer);
    if (!(options.tMax > 0)) throw new OptimizerError(`CosineAnnealingLR: tMax must be > 0, got ${options.tMax}`);
    this.tMax = options.tMax;
    this.etaMin = options.etaMin ?? 0;
    if (!Number.isFinite(this.tMax)) throw new OptimizerError(`CosineAnnealingLR: tMax must be finite, got ${this.tMax}`);
    if (!Number.isFinite(this.etaMin) || this.etaMin < 0) throw new OptimizerError(`CosineAnnealingLR: etaMin must be a finite number ≥ 0, got ${this.etaMin}`);
  }

  lrAt(t: number): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * t) / this.tMax))) / 2;
  }
}
