/** fl.prob: information theory and Markov random fields. */
export { entropy, crossEntropy, kl, mutualInformation, xlogy, logBase, fromNats } from "./info.js";
export type { UnitOptions, DistOptions, PairOptions, MutualInformationOptions } from "./info.js";
export {
  gaussianEntropy,
  gaussianChannelMI,
  gaussianCorrelationMI,
  klNormal,
  klMvn,
  mvnEntropy,
  logDet,
  cholesky,
  choleskyInverse,
} from "./gaussian.js";
export { mcMean, mcEntropy, batchMeans } from "./montecarlo.js";
export type { Estimate } from "./montecarlo.js";
export { ksgMutualInformation, digamma, KDTree } from "./ksg.js";
export type { KSGOptions, KSGResult } from "./ksg.js";
export { MRF, DEFAULT_MAX_ASSIGNMENTS } from "./mrf.js";
export type { MRFOptions, Edge, Assignments, PartitionMethod, PartitionOptions, GibbsOptions } from "./mrf.js";
export { chainMRF, gridMRF, chainEdges, gridEdges } from "./graphs.js";
export type { ShortcutOptions } from "./graphs.js";
export { fitMRF, mrfLoss } from "./learn.js";
export type { FitOptions, FitResult, Objective, StepOptimizer } from "./learn.js";
