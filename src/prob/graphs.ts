/** Graph shortcuts: chain and grid edge lists, and MRFs on them. */
import type { NestedArray, Tensor } from "../tensor.js";
import { MRF, type Edge } from "./mrf.js";

/** Options of the graph shortcuts (`chainMRF` and friends): states, pairwise potentials and optional unary ones. */
export interface ShortcutOptions {
  /** States per node: one number for all nodes, or one per node. */
  states: number | readonly number[];
  /** [S, S] shared, or [E, S, S] in edge order. */
  pairwise: Tensor | NestedArray;
  /** Unary potentials [N, S] (optional). */
  unary?: Tensor | NestedArray | null;
}

/** Edges of a chain 0–1–…–(n−1): [i, i+1] for i = 0..n−2. */
export function chainEdges(n: number): Edge[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`chainEdges: n must be a positive integer, got ${n}`);
  return Array.from({ length: n - 1 }, (_, i) => [i, i + 1] as const);
}

/**
 * Edges of a rows×cols grid, node (r, c) = r·cols + c; in order, for each node row by row: its
 * right edge [(r,c), (r,c+1)] then its down edge [(r,c), (r+1,c)].
 */
export function gridEdges(rows: number, cols: number): Edge[] {
  for (const [name, v] of [["rows", rows], ["cols", cols]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`gridEdges: ${name} must be a positive integer, got ${v}`);
  }
  const edges: Edge[] = [];
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      if (c + 1 < cols) edges.push([i, i + 1]);
      if (r + 1 < rows) edges.push([i, i + cols]);
    }
  return edges;
}

/** A chain MRF on n nodes. The seed's model: `chainMRF(N, { states: 2, pairwise: fl.eye(2) })`. */
export function chainMRF(n: number, options: ShortcutOptions): MRF {
  return new MRF({ nodes: n, states: options.states, edges: chainEdges(n), pairwise: options.pairwise, unary: options.unary });
}

/** A grid MRF on rows×cols nodes (edge order as in `gridEdges`). */
export function gridMRF(rows: number, cols: number, options: ShortcutOptions): MRF {
  return new MRF({ nodes: rows * cols, states: options.states, edges: gridEdges(rows, cols), pairwise: options.pairwise, unary: options.unary });
}
