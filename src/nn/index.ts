/** fl.nn: modules, layers and initialisers. Each family lives in its own file. */
export { Module, StateDictError } from "./module.js";
export type { StateDict } from "./module.js";
export { Linear } from "./linear.js";
export type { LinearOptions } from "./linear.js";
export { ReLU, Sigmoid, Tanh, Identity, Flatten, Sequential } from "./basic.js";
export * as init from "./init.js";
export * from "./recurrent/index.js";
export { Conv2d } from "./conv.js";
export type { Conv2dModuleOptions } from "./conv.js";
export { MaxPool2d, AvgPool2d } from "./pool.js";
export type { Pool2dModuleOptions } from "./pool.js";
export { Dropout } from "./dropout.js";
export { BatchNorm1d, BatchNorm2d } from "./norm.js";
export type { BatchNormModuleOptions } from "./norm.js";
export { ResidualBlock, residualConv, residualStack } from "./residual.js";
export type { ResidualConvOptions } from "./residual.js";
