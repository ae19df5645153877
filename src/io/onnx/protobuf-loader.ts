/**
 * protobufjs, loaded on first use. It is an optional peer dependency of fundl (DESIGN principle 9:
 * `import "fundl"` reaches no package), so it is required synchronously in Node only when a model
 * is exported, and a missing install is a clear error saying what to run.
 */
type Protobuf = typeof import("protobufjs/light.js");

const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
const isNode = typeof proc?.versions?.node === "string";
// held in a variable so that bundlers leave Node's module loader alone
const moduleId = "node:module";
const nodeModule: typeof import("node:module") | null = isNode ? ((await import(moduleId)) as typeof import("node:module")) : null;

let loaded: Protobuf | null = null;

/** The protobufjs (light) module, or an error naming the package to install. */
export function protobufjs(): Protobuf {
  if (loaded) return loaded;
  if (!nodeModule) {
    throw new Error("fl.onnx: ONNX export encodes with the protobufjs package, which fundl loads in Node only; export in Node (or `fundl train mnist --export-onnx FILE`)");
  }
  try {
    const mod = nodeModule.createRequire(import.meta.url)("protobufjs/light.js") as Protobuf & { default?: Protobuf };
    loaded = mod.default ?? mod;
  } catch (err) {
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new Error(`fl.onnx: ONNX export needs the protobufjs package, an optional peer dependency of fundl (npm install protobufjs@^8.8.1): ${why}`);
  }
  return loaded;
}
