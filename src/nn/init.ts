/**
 * Initialisers, in place, seeded: `nn.init.uniform_(t, a, b, { seed })`. fan_in/fan_out follow
 * PyTorch: for a weight [out, in, ...k], fan_in = in·Πk and fan_out = out·Πk.
 */
import { generatorFor, type Generator } from "../random.js";
import { ShapeError } from "../shape.js";
import type { Tensor } from "../tensor.js";

/** Where the random numbers of an initialiser come from: a seed (a fresh generator) or a generator to draw from. */
export interface InitOptions {
  /** Seed of a fresh generator (default: the global generator). */
  seed?: number;
  /** A generator to draw from (takes precedence over seed). */
  generator?: Generator;
}

function gen(o: InitOptions): Generator {
  return o.generator ?? generatorFor(o.seed);
}

/** Fan-in and fan-out of a weight [out, in, …kernel] (in·kernel size and out·kernel size), as PyTorch computes them. */
export function fans(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) throw new ShapeError(`init: fan in/out need a tensor of rank ≥ 2, got shape [${t.shape.join(", ")}]`);
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: t.shape[1]! * receptive, fanOut: t.shape[0]! * receptive };
}

/** Fill with U(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1, o: InitOptions = {}): Tensor {
  const g = gen(o);
  for (let i = 0; i < t.size; i++) t.data[i] = a + (b - a) * g.random();
  return t.bumpVersion();
}

/** Fill with N(mean, std²). */
export function normal_(t: Tensor, mean = 0, std = 1, o: InitOptions = {}): Tensor {
  const g = gen(o);
  for (let i = 0; i < t.size; i++) t.data[i] = mean + std * g.normal();
  return t.bumpVersion();
}

/** Fill `t` with `value` in place; returns t. */
export function constant_(t: Tensor, value: number): Tensor {
  t.data.fill(value);
  return t.bumpVersion();
}

/** Fill `t` with 0 in place; returns t. */
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

/** Fill `t` with 1 in place; returns t. */
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

// ---------------------------------------------------------------------------------------------
// Gains, Xavier/Glorot, Kaiming/He (PyTorch's definitions) and the seed's residual rule
// ---------------------------------------------------------------------------------------------

/** The nonlinearities `calculateGain` knows (PyTorch's names). */
export type Nonlinearity = "linear" | "identity" | "conv1d" | "conv2d" | "conv3d" | "sigmoid" | "tanh" | "relu" | "leaky_relu" | "selu";

/**
 * PyTorch's calculate_gain: 1 for linear/conv/sigmoid, 5/3 for tanh, √2 for relu,
 * √(2/(1+slope²)) for leaky_relu (slope `param`, default 0.01), 3/4 for selu.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear": case "identity": case "conv1d": case "conv2d": case "conv3d": case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leaky_relu": {
      const slope = param ?? 0.01;
      if (typeof slope !== "number" || !Number.isFinite(slope)) throw new TypeError(`calculateGain: negative slope ${slope} is not a number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu":
      return 3 / 4;
    default:
      throw new RangeError(`calculateGain: unsupported nonlinearity ${JSON.stringify(nonlinearity)}`);
  }
}

/** Xavier/Glorot uniform: U(−a, a) with a = gain·√(6/(fan_in + fan_out)). */
export function xavierUniform_(t: Tensor, gain = 1, o: InitOptions = {}): Tensor {
  const { fanIn, fanOut } = fans(t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a, o);
}

/** Xavier/Glorot normal: N(0, std²) with std = gain·√(2/(fan_in + fan_out)). */
export function xavierNormal_(t: Tensor, gain = 1, o: InitOptions = {}): Tensor {
  const { fanIn, fanOut } = fans(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), o);
}

/** Options of the Kaiming (He) initialisers: leaky-ReLU slope, fan mode and nonlinearity. */
export interface KaimingOptions extends InitOptions {
  /** Negative slope of the leaky ReLU that follows (default 0, PyTorch's default). */
  a?: number;
  /** "fan_in" (default) keeps forward variances, "fan_out" backward ones. */
  mode?: "fan_in" | "fan_out";
  /** Default "leaky_relu" (with slope a = 0 that is ReLU's gain √2), as in PyTorch. */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, o: KaimingOptions): number {
  const mode = o.mode ?? "fan_in";
  if (mode !== "fan_in" && mode !== "fan_out") throw new RangeError(`kaiming: mode must be "fan_in" or "fan_out", got ${JSON.stringify(mode)}`);
  const { fanIn, fanOut } = fans(t);
  const fan = mode === "fan_in" ? fanIn : fanOut;
  return calculateGain(o.nonlinearity ?? "leaky_relu", o.a ?? 0) / Math.sqrt(fan);
}

/** Kaiming/He uniform: U(−b, b) with b = gain·√(3/fan). */
export function kaimingUniform_(t: Tensor, o: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, o);
  return uniform_(t, -bound, bound, o);
}

/** Kaiming/He normal: N(0, std²) with std = gain/√fan. */
export function kaimingNormal_(t: Tensor, o: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd(t, o), o);
}

/**
 * The seed's residual rule (Problem 5): σ_w = √(ln 2 / (L·N²·C)) for L blocks x ← x + Conv(W, x)
 * with N×N filters on C channels. Each block multiplies the activation variance by
 * 1 + N²·C·σ_w² = 1 + ln 2/L, so over the stack it grows by (1 + ln 2/L)^L, which is *less than 2*:
 * 1.69 at L = 1, 1.90 at L = 4, 1.97 at L = 16, reaching 2 only as L → ∞ (the rule solves the
 * first-order form e^{L·N²·C·σ_w²} = 2; `fundl lab` measures this, P5 (c)). For exactly 2 use
 * σ_w = √((2^{1/L} − 1)/(N²·C)).
 */
export function residualSigma(L: number, N: number, C: number): number {
  for (const [n, v] of [["L", L], ["N", N], ["C", C]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`residualSigma: ${n} must be a positive integer, got ${v}`);
  }
  return Math.sqrt(Math.LN2 / (L * N * N * C));
}

/**
 * Fill a conv weight [C, C, N, N] (any [out, in, ...k]) with N(0, σ²), σ = √(ln 2/(L·fan_in)) —
 * fan_in = C·N², so σ = residualSigma(L, N, C) for the seed's square filters.
 */
export function residualNormal_(t: Tensor, L: number, o: InitOptions = {}): Tensor {
  if (!Number.isInteger(L) || L < 1) throw new RangeError(`residualNormal_: L must be a positive integer, got ${L}`);
  const { fanIn } = fans(t);
  return normal_(t, 0, Math.sqrt(Math.LN2 / (L * fanIn)), o);
}
