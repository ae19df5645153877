/** fl.optim: optimisers, learning-rate schedules and gradient clipping. */
export { Optimizer, OptimizerError } from "./optimizer.js";
export type { OptimizerStateDict, HyperParams, ZeroGradOptions } from "./optimizer.js";
export { SGD } from "./sgd.js";
export type { SGDOptions } from "./sgd.js";
export { Adam, AdamW } from "./adam.js";
export type { AdamOptions } from "./adam.js";
export { LRScheduler, StepLR, CosineAnnealingLR } from "./schedule.js";
export type { SchedulerState, StepLROptions, CosineAnnealingOptions } from "./schedule.js";
export { clipGradNorm_ } from "./clip.js";
