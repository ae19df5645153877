#!/usr/bin/env node
/**
 * Regenerates src/io/onnx/schema.ts — protobufjs's JSON descriptor of ONNX's onnx.proto — from a
 * copy of that file (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto, Apache-2.0):
 *
 *   node scripts/onnx-schema.mjs path/to/onnx.proto
 *
 * The descriptor carries the messages, fields, field numbers and enums (no comments); protobufjs
 * encodes ModelProto from it at run time, so no .proto parser ships in the package.
 */
import { readFileSync, writeFileSync } from "node:fs";
import protobuf from "protobufjs";

const source = process.argv[2];
if (!source) {
  console.error("usage: node scripts/onnx-schema.mjs path/to/onnx.proto");
  process.exit(2);
}
const text = readFileSync(source, "utf8");
const { root } = protobuf.parse(text, { keepCase: true, alternateCommentMode: false });
const json = JSON.stringify(root.toJSON({ keepComments: false }), null, 1);
const irVersion = /IR_VERSION = (0x[0-9A-Fa-f]+);/.exec(text)?.[1];
const out = `// SPDX-License-Identifier: Apache-2.0
// Derived from onnx/onnx.proto (Copyright (c) ONNX Project Contributors, Apache License 2.0,
// https://github.com/onnx/onnx) by scripts/onnx-schema.mjs — do not edit by hand.
// The schema's newest IR_VERSION: ${irVersion ? Number(irVersion) : "unknown"}.

/** protobufjs JSON descriptor of ONNX's onnx.proto (package "onnx"): the messages fundl encodes a model with. */
export const ONNX_SCHEMA = ${json};
`;
writeFileSync(new URL("../src/io/onnx/schema.ts", import.meta.url), out);
console.log(`wrote src/io/onnx/schema.ts (${out.length} characters)`);
