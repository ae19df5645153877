/**
 * Encoding an ONNX ModelProto with protobufjs, from the JSON descriptor of onnx.proto
 * (schema.ts). The plain objects below mirror the proto messages field for field (snake_case, as
 * in onnx.proto); protobufjs checks and encodes them.
 */
import type protobuf from "protobufjs/light.js";
import { protobufjs } from "./protobuf-loader.js";
import { ONNX_SCHEMA } from "./schema.js";

/** TensorProto.DataType values fundl writes. */
export const DataType = { FLOAT: 1, INT64: 7, DOUBLE: 11 } as const;

/** AttributeProto.AttributeType values fundl writes. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** onnx.TensorProto as written: an initializer's name, shape, element type and raw bytes. */
export interface TensorMessage {
  name: string;
  dims: number[];
  data_type: number;
  /** Little-endian element bytes. */
  raw_data: Uint8Array;
}

/** onnx.AttributeProto: a node attribute (type says which of f, i, s, floats, ints, strings holds it). */
export interface AttributeMessage {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

/** onnx.NodeProto: one op of the graph, its input and output value names and attributes. */
export interface NodeMessage {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute: AttributeMessage[];
}

/** One dimension: a fixed size, or a named symbolic one (e.g. "batch"). */
export type DimMessage = { dim_value: number } | { dim_param: string };

/** onnx.ValueInfoProto: a graph input's or output's name, element type and shape. */
export interface ValueInfoMessage {
  name: string;
  type: { tensor_type: { elem_type: number; shape: { dim: DimMessage[] } } };
}

/** onnx.GraphProto: nodes in execution order, initializers (weights), inputs and outputs. */
export interface GraphMessage {
  name: string;
  node: NodeMessage[];
  initializer: TensorMessage[];
  input: ValueInfoMessage[];
  output: ValueInfoMessage[];
}

/** onnx.ModelProto: the graph with its IR version, operator sets and producer. */
export interface ModelMessage {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  producer_name: string;
  producer_version: string;
  doc_string?: string;
  graph: GraphMessage;
}

let modelType: protobuf.Type | null = null;

function modelProto(): protobuf.Type {
  modelType ??= protobufjs().Root.fromJSON(ONNX_SCHEMA as protobuf.INamespace).lookupType("onnx.ModelProto");
  return modelType;
}

/** The model's bytes in the protobuf wire format (what a .onnx file holds). */
export function encodeModel(model: ModelMessage): Uint8Array {
  const type = modelProto();
  const problem = type.verify(model);
  if (problem) throw new Error(`onnx: the model does not fit onnx.proto: ${problem}`);
  const bytes = type.encode(type.fromObject(model)).finish();
  // in Node protobufjs hands back a Buffer; callers get a plain Uint8Array over the same bytes
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decode bytes written by `encodeModel` (tests read exported files back with it). */
export function decodeModel(bytes: Uint8Array): ModelMessage {
  const type = modelProto();
  return type.toObject(type.decode(bytes), { longs: Number, defaults: false }) as ModelMessage;
}
