/**
 * Learning MRF potentials from samples with the framework's optimisers.
 *   maximum likelihood:        loss = ln Z − (1/B) Σ_b f(x_b)          (= −mean ln Q(x_b); backprop through ln Z)
 *   maximum pseudolikelihood:  loss = −(1/B) Σ_b Σ_i ln P(x_b,i | x_b,/i)   (no Z needed)
 */
import { Adam } from "../optim/adam.js";
import { Tensor } from "../tensor.js";
import { mean } from "../ops/reduce.js";
import { neg, sub } from "../ops/elementwise.js";
import type { Assignments, MRF, PartitionMethod } from "./mrf.js";

/** What `fitMRF` maximises: the likelihood or the pseudolikelihood of the data. */
export type Objective = "likelihood" | "pseudolikelihood";

/** What fitMRF needs from an optimiser (fl.optim.SGD / Adam / AdamW all fit). */
export interface StepOptimizer {
  /** Update the parameters from their gradients. */
  step(): void;
  /** Drop the parameters' gradients. */
  zeroGrad(): void;
}

/** Options of `fitMRF`: objective, optimiser or learning rate, steps and partition method. */
export interface FitOptions {
  /** What to maximise (default "pseudolikelihood"). */
  objective?: Objective;
  /** An optimiser over the parameters; default fl.optim.Adam(model.parameters(), { lr }). */
  optimizer?: StepOptimizer;
  /** Learning rate for the default Adam (default 0.05). */
  lr?: number;
  /** Full-batch steps (default 300). */
  steps?: number;
  /** How ln Z is computed for the likelihood objective. */
  method?: PartitionMethod;
  /** Called after each step with the step index and loss. */
  onStep?: (step: number, loss: number) => void;
}

/** What `fitMRF` returns: the loss at every step and the fitted model. */
export interface FitResult {
  /** Loss per step (before that step's update). */
  losses: number[];
  /** The model at the end (rebuilt from the parameters when a builder was given). */
  model: MRF;
}

/** The training loss of `model` on `samples` for an objective (differentiable, a scalar). */
export function mrfLoss(model: MRF, samples: Assignments, objective: Objective = "pseudolikelihood", method?: PartitionMethod): Tensor {
  if (objective === "pseudolikelihood") return neg(mean(model.logPseudoLikelihood(samples)));
  if (objective === "likelihood") return sub(model.logPartition({ method }), mean(model.score(samples)));
  throw new RangeError(`fitMRF: unknown objective ${JSON.stringify(objective)}; expected "likelihood" or "pseudolikelihood"`);
}

/**
 * Fit potentials to samples by full-batch gradient steps. `model` is an MRF whose potentials are
 * leaves with requiresGrad, or a builder `() => MRF` that derives the potentials from parameters
 * (e.g. Ψ_e = J_e · I), called afresh each step; then pass an `optimizer` over those parameters.
 */
export function fitMRF(model: MRF | (() => MRF), samples: Assignments, options: FitOptions = {}): FitResult {
  const build = typeof model === "function" ? model : () => model;
  const objective = options.objective ?? "pseudolikelihood";
  const steps = options.steps ?? 300;
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`fitMRF: steps must be a non-negative integer, got ${steps}`);
  let current = build();
  let opt = options.optimizer;
  if (!opt) {
    const params = current.parameters();
    if (params.length === 0) throw new Error("fitMRF: the model has no potentials with requiresGrad: true; create them with { requiresGrad: true } or pass a builder and an optimizer");
    opt = new Adam(params, { lr: options.lr ?? 0.05 });
  }
  const losses: number[] = [];
  for (let t = 0; t < steps; t++) {
    if (t > 0) current = build();
    opt.zeroGrad();
    const loss = mrfLoss(current, samples, objective, options.method);
    loss.backward();
    opt.step();
    losses.push(loss.item());
    options.onStep?.(t, loss.item());
  }
  return { losses, model: steps > 0 ? build() : current };
}
