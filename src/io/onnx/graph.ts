/**
 * GraphBuilder: collects ONNX nodes, initializers and value names while the converters walk a
 * trace. Each fundl tensor gets one value name: the graph input's, a node output's, or — for a
 * tensor no traced op made (a parameter, a buffer, a constant) — an initializer's, named by its
 * state-dict key where it has one.
 */
import type { DType } from "../../dtype.js";
import { Tensor } from "../../tensor.js";
import { AttributeType, DataType, type AttributeMessage, type NodeMessage, type TensorMessage } from "./proto.js";

/** An attribute value: a number (INT when integral and `ints` is not forced, else FLOAT), a string, or a list. */
export type AttrValue = number | string | number[] | { floats: number[] } | { float: number } | { strings: string[] };

/** ONNX's element type for a fundl dtype. */
export function elemType(dtype: DType): number {
  return dtype === "float64" ? DataType.DOUBLE : DataType.FLOAT;
}

function toAttribute(name: string, v: AttrValue): AttributeMessage {
  if (typeof v === "string") return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === "number") {
    return Number.isInteger(v) ? { name, type: AttributeType.INT, i: v } : { name, type: AttributeType.FLOAT, f: v };
  }
  if (Array.isArray(v)) return { name, type: AttributeType.INTS, ints: v };
  if ("floats" in v) return { name, type: AttributeType.FLOATS, floats: v.floats };
  if ("strings" in v) return { name, type: AttributeType.STRINGS, strings: v.strings.map((x) => new TextEncoder().encode(x)) };
  return { name, type: AttributeType.FLOAT, f: v.float };
}

function littleEndianBytes(view: Float32Array | Float64Array | BigInt64Array): Uint8Array {
  // typed arrays use the platform's byte order; ONNX's raw_data is little-endian
  const bytes = new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1) return bytes;
  const w = view.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += w) bytes.subarray(i, i + w).reverse();
  return bytes;
}

/** Builds an ONNX graph: value names, nodes and initializers (see the file comment). */
export class GraphBuilder {
  readonly nodes: NodeMessage[] = [];
  readonly initializers: TensorMessage[] = [];
  private readonly names = new Map<Tensor, string>();
  private readonly taken = new Set<string>();
  private counter = 0;

  /** `paramNames`: state-dict names for the model's own tensors. */
  constructor(private readonly paramNames: Map<Tensor, string>, readonly dtype: DType) {}

  /** A fresh value name starting with `hint`. */
  fresh(hint: string): string {
    let name = hint;
    while (this.taken.has(name)) name = `${hint}_${++this.counter}`;
    this.taken.add(name);
    return name;
  }

  /** Give `t` the value name `name` (a graph input or a node output). */
  bind(t: Tensor, name: string): void {
    this.names.set(t, name);
  }

  has(t: Tensor): boolean {
    return this.names.has(t);
  }

  /** The value name of `t`; a tensor seen for the first time becomes an initializer. */
  valueOf(t: Tensor): string {
    const known = this.names.get(t);
    if (known !== undefined) return known;
    return this.initializer(t, this.paramNames.get(t) ?? "const");
  }

  /** Store `t`'s values as an initializer (in the graph's float dtype) and return its name. */
  initializer(t: Tensor, hint: string): string {
    const name = this.fresh(hint);
    const data = this.dtype === "float64" ? Float64Array.from(t.data) : Float32Array.from(t.data);
    this.initializers.push({ name, dims: t.shape.slice(), data_type: elemType(this.dtype), raw_data: littleEndianBytes(data) });
    this.names.set(t, name);
    return name;
  }

  /** A float initializer from plain values (reordered weights, a constant 1 …). */
  floats(hint: string, values: ArrayLike<number>, dims: number[]): string {
    return this.initializer(new Tensor(Float64Array.from(values), dims), hint);
  }

  /** An int64 initializer (shapes, axes, slice bounds). */
  int64s(hint: string, values: readonly number[]): string {
    const name = this.fresh(hint);
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dims: [values.length], data_type: DataType.INT64, raw_data: littleEndianBytes(data) });
    return name;
  }

  /**
   * Append a node; inputs are value names ("" for an omitted optional input). Returns its
   * output names (`outputs` fresh names made from the op type).
   */
  node(opType: string, inputs: string[], attrs: Record<string, AttrValue | undefined> = {}, outputs = 1): string[] {
    const outNames = Array.from({ length: outputs }, () => this.fresh(`${opType}_out`));
    const attribute = Object.entries(attrs)
      .filter((e): e is [string, AttrValue] => e[1] !== undefined)
      .map(([k, v]) => toAttribute(k, v));
    this.nodes.push({ name: this.fresh(`${opType}_node`), op_type: opType, input: inputs, output: outNames, attribute });
    return outNames;
  }

  /** Rename a node output everywhere it appears (graph outputs get the user's names). */
  rename(from: string, to: string): void {
    for (const n of this.nodes) {
      n.input = n.input.map((s) => (s === from ? to : s));
      n.output = n.output.map((s) => (s === from ? to : s));
    }
    for (const [t, s] of this.names) if (s === from) this.names.set(t, to);
    this.taken.add(to);
  }

  /** Whether `name` is some node's output (not a graph input or initializer). */
  isNodeOutput(name: string): boolean {
    return this.nodes.some((n) => n.output.includes(name));
  }
}
