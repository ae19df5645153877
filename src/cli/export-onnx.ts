/** `fundl train … --export-onnx FILE`: write the trained model as an ONNX model for ONNX Runtime. */
import * as fl from "../index.js";

/**
 * Export `model` (taking [N, ...inputShape] input) to `file` with a dynamic batch, input "input"
 * and output "output", and log where it went.
 */
export function exportTrainedOnnx(model: fl.nn.Module, inputShape: number[], file: string, log: (s: string) => void): void {
  fl.onnx.export(model, fl.zeros([1, ...inputShape]), file, { inputNames: ["input"], outputNames: ["output"], dynamicBatch: true });
  log(`ONNX model (opset ${fl.onnx.ONNX_OPSET}, input "input" [batch, ${inputShape.join(", ")}], output "output") written to ${file}`);
}
