/** Recurrent cells and the sequence unroller. */
export { RecurrentCell, SingleStateCell } from "./cell.js";
export type { CellOptions, CellState, LSTMState } from "./cell.js";
export { RNNCell } from "./rnn-cell.js";
export type { RNNCellOptions } from "./rnn-cell.js";
export { GRUCell } from "./gru.js";
export { LSTMCell } from "./lstm.js";
export type { LSTMCellOptions } from "./lstm.js";
export { UGRNNCell } from "./ugrnn.js";
export type { UGRNNCellOptions, UGRNNForm } from "./ugrnn.js";
export { convertUGRNN, ugrnnConcatToSplit, ugrnnSplitToConcat } from "./convert.js";
export { RNN, detachState } from "./rnn.js";
export type { RNNOptions, RNNResult } from "./rnn.js";
