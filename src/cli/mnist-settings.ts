/**
 * The settings of a `fundl train mnist` run — what a checkpoint stores in `meta.settings` and what
 * `--resume` restores — and their validation. The same checks run on the options of a new run and
 * on the settings read back from a checkpoint, so a checkpoint cannot smuggle in a value the
 * command line would refuse.
 */
import type { MnistWidths } from "../models/mnist.js";

/** Everything that determines an MNIST run's result. */
export interface MnistSettings {
  epochs: number;
  batch: number;
  lr: number;
  seed: number;
  widths: MnistWidths;
  augment: number;
  standardize: boolean;
  dropout: number;
  trainLimit: number | null;
  testLimit: number | null;
}

/** Limits on the settings (the images are 28 × 28; the split holds `trainSize`/`testSize` digits). */
export const MNIST_LIMITS = {
  /** A shift of more than half the 28-pixel image moves the digit's centre out of the frame. */
  maxAugment: 13,
  maxWidth: 4096,
  maxEpochs: 1_000_000,
} as const;

const KEYS: (keyof MnistSettings)[] = ["epochs", "batch", "lr", "seed", "widths", "augment", "standardize", "dropout", "trainLimit", "testLimit"];

/**
 * Check every setting; `where` names their origin in the error ("the options", "checkpoint
 * x.safetensors"). `sizes` are the split's sizes, the upper limits of trainLimit/testLimit.
 * `command` opens the error ("train mnist", "train fashion-mnist").
 */
export function validateMnistSettings(raw: unknown, where: string, sizes: { train: number; test: number }, command = "train mnist"): MnistSettings {
  const bad = (key: string, want: string, got: unknown): never => {
    throw new Error(`${command}: ${where}: setting "${key}" must be ${want}, got ${JSON.stringify(got) ?? String(got)}`);
  };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return bad("settings", "an object", raw);
  const s = raw as Record<string, unknown>;
  for (const k of Object.keys(s)) if (!(KEYS as string[]).includes(k)) bad(k, `one of the known settings (${KEYS.join(", ")}), not an extra key`, s[k]);
  const posInt = (k: keyof MnistSettings, max: number) => {
    const v = s[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > max) bad(k, `an integer in [1, ${max}]`, v);
  };
  posInt("epochs", MNIST_LIMITS.maxEpochs);
  posInt("batch", sizes.train);
  if (typeof s.lr !== "number" || !Number.isFinite(s.lr) || s.lr <= 0) bad("lr", "a finite number > 0", s.lr);
  if (typeof s.seed !== "number" || !Number.isSafeInteger(s.seed)) bad("seed", "an integer (a safe integer)", s.seed);
  if (typeof s.augment !== "number" || !Number.isInteger(s.augment) || s.augment < 0 || s.augment > MNIST_LIMITS.maxAugment) bad("augment", `an integer shift in [0, ${MNIST_LIMITS.maxAugment}] pixels`, s.augment);
  if (typeof s.standardize !== "boolean") bad("standardize", "true or false", s.standardize);
  if (typeof s.dropout !== "number" || !(s.dropout >= 0 && s.dropout < 1)) bad("dropout", "a probability in [0, 1)", s.dropout);
  for (const [k, max] of [["trainLimit", sizes.train], ["testLimit", sizes.test]] as const) {
    const v = s[k];
    if (v !== null && (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > max)) bad(k, `null (all) or an integer in [1, ${max}]`, v);
  }
  const w = s.widths as Record<string, unknown> | null;
  if (typeof w !== "object" || w === null || Array.isArray(w)) return bad("widths", "an object {c1, c2, hidden}", w);
  for (const k of Object.keys(w)) if (!["c1", "c2", "hidden"].includes(k)) bad(`widths.${k}`, "absent (widths has c1, c2, hidden)", w[k]);
  for (const k of ["c1", "c2", "hidden"]) {
    const v = w[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > MNIST_LIMITS.maxWidth) bad(`widths.${k}`, `an integer in [1, ${MNIST_LIMITS.maxWidth}]`, v);
  }
  return { ...(s as unknown as MnistSettings), widths: { c1: w.c1 as number, c2: w.c2 as number, hidden: w.hidden as number } };
}

/**
 * The epoch count a checkpoint says is done: an integer in [0, epochs] (`epochs` itself is a
 * finished run, which the caller refuses to resume with its own message). `command` opens the error.
 */
export function validateEpochDone(v: unknown, epochs: number, where: string, command = "train mnist"): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > epochs) {
    throw new Error(`${command}: ${where}: "epoch" (epochs done) must be an integer in [0, ${epochs}], got ${JSON.stringify(v) ?? String(v)}`);
  }
  return v;
}
