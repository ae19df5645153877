/**
 * fl.onnx: export a module as an ONNX model (traced from one forward pass, as torch.onnx.export
 * does) for ONNX Runtime (onnxruntime-node, onnxruntime-web) and other ONNX tools.
 *
 *   fl.onnx.export(model, exampleInput, "model.onnx", { inputNames: ["pixels"], dynamicBatch: true });
 *   const bytes = fl.onnx.exportBytes(model, exampleInput); // no file system needed
 */
export { exportBytes, exportModel as export, exportModel, ONNX_OPSET, ONNX_IR_VERSION } from "./export.js";
export type { OnnxExportOptions } from "./export.js";
export { OnnxExportError } from "./convert-ops.js";
export { decodeModel } from "./proto.js";
export type { ModelMessage, GraphMessage, NodeMessage, TensorMessage, AttributeMessage, ValueInfoMessage, DimMessage } from "./proto.js";
