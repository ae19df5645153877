/**
 * Checkpoints as one safetensors file: the model's state dict under its own names (so PyTorch's
 * `load_file` + `load_state_dict` can read it after dropping the "optimizer." keys), the
 * optimiser's per-parameter state as `optimizer.state.<i>.<name>` tensors, and the optimiser's
 * kind and hyperparameters plus any JSON-able training state (epoch, data-loader position, seeds)
 * as metadata strings.
 */
import type { Tensor } from "../tensor.js";
import type { OptimizerStateDict } from "../optim/optimizer.js";
import { nullProtoRecord, SafetensorsError, type Metadata, type SafetensorsContents } from "./safetensors.js";

/** The `format` metadata value that marks a safetensors file as a fundl checkpoint. */
export const CHECKPOINT_FORMAT = "fundl-checkpoint/1";
const OPT_PREFIX = "optimizer.state.";

/**
 * A training checkpoint: the model's state dict, the optimiser's state dict, and JSON-able meta data (epoch,
 * loader, schedule…).
 */
export interface Checkpoint {
  /** Model parameters and buffers by name (module.stateDict()). */
  model: Record<string, Tensor>;
  /** optimizer.stateDict(), if the checkpoint carries one. */
  optimizer?: OptimizerStateDict;
  /** Anything else to restore (JSON-able): epoch, loader state, scheduler state, options… */
  meta?: Record<string, unknown>;
}

/** Lay a checkpoint out as safetensors tensors and metadata. */
export function packCheckpoint(ck: Checkpoint): SafetensorsContents {
  const tensors = nullProtoRecord<Tensor>();
  for (const [k, t] of Object.entries(ck.model)) {
    if (k.startsWith("optimizer.")) throw new SafetensorsError(`packCheckpoint: model entry "${k}" clashes with the reserved "optimizer." prefix`);
    tensors[k] = t;
  }
  const metadata: Metadata = { format: CHECKPOINT_FORMAT };
  if (ck.optimizer) {
    for (const [k, t] of Object.entries(ck.optimizer.state)) tensors[OPT_PREFIX + k] = t;
    const { kind, hyper, stateIndices } = ck.optimizer;
    metadata.optimizer = JSON.stringify(stateIndices === undefined ? { kind, hyper } : { kind, hyper, stateIndices });
  }
  if (ck.meta) metadata.meta = JSON.stringify(ck.meta);
  return { tensors, metadata };
}

/** Split safetensors contents written by `packCheckpoint` back into model, optimiser and meta. */
export function unpackCheckpoint(contents: SafetensorsContents, source = "<checkpoint>"): Checkpoint {
  const { tensors, metadata } = contents;
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw new SafetensorsError(`${source}: not a fundl checkpoint (metadata "format" is ${JSON.stringify(metadata.format)}, expected "${CHECKPOINT_FORMAT}"); use fl.io.load for plain safetensors files`);
  }
  const model = nullProtoRecord<Tensor>();
  const state = nullProtoRecord<Tensor>();
  for (const [k, t] of Object.entries(tensors)) {
    if (k.startsWith(OPT_PREFIX)) state[k.slice(OPT_PREFIX.length)] = t;
    else model[k] = t;
  }
  const parse = (key: string): unknown => {
    try {
      return JSON.parse(metadata[key]!);
    } catch (e) {
      throw new SafetensorsError(`${source}: metadata "${key}" is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
    }
  };
  const ck: Checkpoint = { model };
  if (metadata.optimizer !== undefined) {
    const o = parse("optimizer") as { kind?: unknown; hyper?: unknown; stateIndices?: unknown };
    if (typeof o?.kind !== "string" || typeof o.hyper !== "object" || o.hyper === null) {
      throw new SafetensorsError(`${source}: metadata "optimizer" must be {"kind": string, "hyper": object}`);
    }
    ck.optimizer = { kind: o.kind, hyper: o.hyper as OptimizerStateDict["hyper"], state };
    if (o.stateIndices !== undefined) {
      if (!Array.isArray(o.stateIndices) || !o.stateIndices.every((i) => Number.isInteger(i) && i >= 0)) {
        throw new SafetensorsError(`${source}: metadata "optimizer".stateIndices must be a list of parameter indices`);
      }
      ck.optimizer.stateIndices = o.stateIndices as number[];
    }
  } else if (Object.keys(state).length) {
    throw new SafetensorsError(`${source}: optimizer state tensors without "optimizer" metadata`);
  }
  if (metadata.meta !== undefined) {
    const m = parse("meta");
    if (typeof m !== "object" || m === null || Array.isArray(m)) throw new SafetensorsError(`${source}: metadata "meta" must be a JSON object`);
    ck.meta = m as Record<string, unknown>;
  }
  return ck;
}
