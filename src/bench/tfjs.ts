/**
 * The peers: TensorFlow.js 4.22 on its CPU backend and on its WebAssembly backend (XNNPACK), in this
 * process. Both are dev dependencies, loaded on demand. Layouts are the peers' own (NHWC images,
 * [kH, kW, Cin, Cout] filters); every step reads its result back and frees its tensors.
 */
import { SHAPES, type Library, type Step } from "./workload.js";

type TF = typeof import("@tensorflow/tfjs");
type T = import("@tensorflow/tfjs").Tensor;

let tfPromise: Promise<TF> | null = null;

async function loadTf(): Promise<TF> {
  tfPromise ??= (async () => {
    const tf = await import("@tensorflow/tfjs");
    await import("@tensorflow/tfjs-backend-wasm");
    await tf.setBackend("cpu");
    await tf.ready();
    // the CPU backend prints an advert for tfjs-node on its first tensor; keep the bench output clean
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
    return tf;
  })();
  return tfPromise;
}

export class TfjsPeer implements Library {
  readonly name: string;
  private tf: TF | null = null;

  constructor(private readonly backend: "cpu" | "wasm") {
    this.name = `tfjs-${backend}`;
  }

  async activate(): Promise<void> {
    const tf = (this.tf ??= await loadTf());
    if (tf.getBackend() !== this.backend) {
      if (!(await tf.setBackend(this.backend))) throw new Error(`tfjs backend ${this.backend} failed to initialise`);
      await tf.ready();
    }
  }

  async step(name: string): Promise<Step> {
    await this.activate();
    const tf = this.tf!;
    switch (name) {
      case "gemm-256":
        return gemm(tf, 256);
      case "gemm-1024":
        return gemm(tf, 1024);
      case "conv-fwd":
        return conv(tf, false);
      case "conv-fwd-bwd":
        return conv(tf, true);
      case "mnist-cnn-step":
      case "mnist-cnn-functional":
        return mnistStep(tf);
      case "lstm-seq":
        return lstmSeq(tf);
      default:
        throw new Error(`bench: unknown workload ${name}`);
    }
  }
}

/** Run f, read every resulting tensor back (forcing the work), and free everything it made. */
function run(tf: TF, f: () => T | T[]): void {
  tf.tidy(() => {
    const out = f();
    for (const t of Array.isArray(out) ? out : [out]) t.dataSync();
    return undefined;
  });
}

function gemm(tf: TF, n: number): Step {
  const a = tf.randomNormal([n, n], 0, 1, "float32", 1);
  const b = tf.randomNormal([n, n], 0, 1, "float32", 2);
  return () => run(tf, () => tf.matMul(a, b));
}

function conv(tf: TF, backward: boolean): Step {
  const { batch, cin, cout, h, w, k } = SHAPES.conv;
  const x = tf.randomNormal([batch, h, w, cin], 0, 1, "float32", 3) as import("@tensorflow/tfjs").Tensor4D;
  const f = tf.randomNormal([k, k, cin, cout], 0, 1, "float32", 4) as import("@tensorflow/tfjs").Tensor4D;
  if (!backward) return () => run(tf, () => tf.conv2d(x, f, 1, "same"));
  const gy = tf.randomNormal([batch, h, w, cout], 0, 1, "float32", 5);
  // gradients of Σ y·gy with respect to x and the filter: exactly the input and filter gradients for gy
  const grads = tf.grads((xi: T, fi: T) => tf.sum(tf.mul(tf.conv2d(xi as typeof x, fi as typeof f, 1, "same"), gy)));
  return () => run(tf, () => grads([x, f]));
}

function mnistStep(tf: TF): Step {
  const { batch } = SHAPES.mnist;
  const v = (shape: number[], seed: number) => tf.variable(tf.randomNormal(shape, 0, 0.05, "float32", seed));
  const w1 = v([3, 3, 1, 32], 1), b1 = v([32], 2), w2 = v([3, 3, 32, 64], 3), b2 = v([64], 4);
  const w3 = v([3136, 128], 5), b3 = v([128], 6), w4 = v([128, 10], 7), b4 = v([10], 8);
  const x = tf.randomUniform([batch, 28, 28, 1], 0, 1, "float32", 9) as import("@tensorflow/tfjs").Tensor4D;
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => (i * 7) % 10), "int32"), 10);
  const opt = tf.train.sgd(0.01);
  const loss = () => {
    let h = tf.maxPool(tf.relu(tf.add(tf.conv2d(x, w1 as unknown as typeof x, 1, "same"), b1)) as typeof x, 2, 2, "valid");
    h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h, w2 as unknown as typeof x, 1, "same"), b2)) as typeof x, 2, 2, "valid");
    const flat = tf.reshape(h, [batch, 3136]);
    const logits = tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(flat, w3), b3)), w4), b4);
    return tf.losses.softmaxCrossEntropy(labels, logits) as import("@tensorflow/tfjs").Scalar;
  };
  return () => run(tf, () => {
    const cost = opt.minimize(loss, true)!;
    return cost;
  });
}

function lstmSeq(tf: TF): Step {
  const { batch, input, hidden, steps } = SHAPES.lstm;
  const wx = tf.variable(tf.randomNormal([input, 4 * hidden], 0, 0.05, "float32", 1));
  const wh = tf.variable(tf.randomNormal([hidden, 4 * hidden], 0, 0.05, "float32", 2));
  const b = tf.variable(tf.zeros([4 * hidden]));
  const xs = Array.from({ length: steps }, (_, t) => tf.randomNormal([batch, input], 0, 1, "float32", 10 + t));
  const loss = () => {
    let h: T = tf.zeros([batch, hidden]);
    let c: T = tf.zeros([batch, hidden]);
    for (const x of xs) {
      const z = tf.add(tf.add(tf.matMul(x, wx), tf.matMul(h, wh)), b);
      const [i, f, g, o] = tf.split(z, 4, 1) as [T, T, T, T];
      c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
      h = tf.mul(tf.sigmoid(o), tf.tanh(c));
    }
    return tf.sum(h) as import("@tensorflow/tfjs").Scalar;
  };
  return () => run(tf, () => Object.values(tf.variableGrads(loss, [wx, wh, b]).grads));
}
