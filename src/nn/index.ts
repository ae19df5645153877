/** fl.nn: modules, layers and initialisers. Each family lives in its own file. */
export { Module, StateDictError } from "./module.js";
export type { StateDict } from "./module.js";
export { Linear } from "./linear.js";
export type { LinearOptions } from "./linear.js";
export { ReLU, Sigmoid, Tanh, Identity, Flatten, Sequential } from "./basic.js";
export * as init from "./init.js";
