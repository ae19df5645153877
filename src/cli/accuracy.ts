/**
 * Classification accuracy, shared by `fundl train mnist|fashion-mnist` and the web app's trainer
 * (this file imports nothing Node-only, so a page can use it).
 */
import * as fl from "../index.js";

/** How many rows of `logits` have their largest entry at the label in `y`. */
export function countCorrect(logits: fl.Tensor, y: Int32Array): number {
  const pred = fl.argmax(logits.detach(), 1).data;
  let c = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) c++;
  return c;
}

/** Accuracy on a dataset, in eval mode without recording a graph. */
export function evaluate(model: fl.nn.Module, ds: fl.data.TensorDataset, batchSize = 500): number {
  model.eval();
  let correct = 0;
  fl.noGrad(() => {
    for (const { x, y } of new fl.data.DataLoader(ds, { batchSize })) correct += countCorrect(model.forward(x) as fl.Tensor, y);
  });
  model.train();
  return correct / ds.length;
}
