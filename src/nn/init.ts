/**
 * Initialisers, in place, seeded: `nn.init.uniform_(t, a, b, { seed })`. fan_in/fan_out follow
 * PyTorch: for a weight [out, in, ...k], fan_in = in·Πk and fan_out = out·Πk.
 */
import { generatorFor, type Generator } from "../random.js";
import { ShapeError } from "../shape.js";
import type { Tensor } from "../tensor.js";

export interface InitOptions {
  seed?: number;
  generator?: Generator;
}

function gen(o: InitOptions): Generator {
  return o.generator ?? generatorFor(o.seed);
}

export function fans(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) throw new ShapeError(`init: fan in/out need a tensor of rank ≥ 2, got shape [${t.shape.join(", ")}]`);
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: t.shape[1]! * receptive, fanOut: t.shape[0]! * receptive };
}

/** Fill with U(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1, o: InitOptions = {}): Tensor {
  const g = gen(o);
  for (let i = 0; i < t.size; i++) t.data[i] = a + (b - a) * g.random();
  return t;
}

/** Fill with N(mean, std²). */
export function normal_(t: Tensor, mean = 0, std = 1, o: InitOptions = {}): Tensor {
  const g = gen(o);
  for (let i = 0; i < t.size; i++) t.data[i] = mean + std * g.normal();
  return t;
}

export function constant_(t: Tensor, value: number): Tensor {
  t.data.fill(value);
  return t;
}

export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}
