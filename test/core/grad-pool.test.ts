// Intermediate gradients' storage is recycled after their op's backward: the answers must not
// change, storage a user can still reach (leaf grads, retained grads) must never be handed out
// again, and the pool stays bounded.
import { describe, expect, it } from "vitest";
import { pooledBytes, recycle, takeUninitialized, takeZeroed } from "../../src/grad-pool.js";
import * as fl from "../../src/index.js";

/** A small MLP-like graph on big enough tensors that its intermediate gradients are pooled. */
function lossOf(x: fl.Tensor, w: fl.Tensor): { loss: fl.Tensor; h: fl.Tensor } {
  const h = fl.relu(x.mul(w)).retainGrad();
  const loss = fl.sum(fl.tanh(h.mul(h).add(x)));
  return { loss, h };
}

describe("gradient storage pool", () => {
  it("gives the same gradients on every step while reusing storage, and never reuses storage a user holds", () => {
    const n = 3 * 4096 + 5;
    const x = fl.randn([n], { seed: 1, requiresGrad: true });
    const w0 = fl.randn([n], { seed: 2 });
    /** One step with weights scaled by `scale` (so every step's gradients differ). */
    const step = (scale: number) => {
      const w = w0.mul(scale).detach();
      w.requiresGrad = true;
      x.grad = null;
      const r = lossOf(x, w);
      r.loss.backward();
      return { x: x.grad!, w: w.grad!, h: r.h.grad! };
    };
    const held: { grads: { x: fl.Tensor; w: fl.Tensor; h: fl.Tensor }; snapshot: number[][] }[] = [];
    for (let s = 0; s < 6; s++) {
      const g = step(1 + s / 4);
      const again = step(1 + s / 4);
      // the same step twice gives the same numbers, in different storage
      expect(Array.from(again.x.data)).toEqual(Array.from(g.x.data));
      expect(Array.from(again.h.data)).toEqual(Array.from(g.h.data));
      expect(again.h.data).not.toBe(g.h.data);
      held.push({ grads: g, snapshot: [Array.from(g.x.data), Array.from(g.w.data), Array.from(g.h.data)] });
      // every gradient a user can reach has storage of its own
      const reachable = held.flatMap((h) => [h.grads.x.data, h.grads.w.data, h.grads.h.data]);
      expect(new Set(reachable).size).toBe(reachable.length);
      // nothing a user can still reach is in the pool, ready to be handed out
      const pooled = Array.from({ length: 4 }, () => takeUninitialized("float32", n));
      for (const h of held) for (const t of [h.grads.x, h.grads.w, h.grads.h]) expect(pooled).not.toContain(t.data);
      pooled.forEach(recycle);
      // gradients user code still holds (old leaf grads, retained grads) were never handed out again
      for (const h of held) expect([Array.from(h.grads.x.data), Array.from(h.grads.w.data), Array.from(h.grads.h.data)]).toEqual(h.snapshot);
    }
    expect(pooledBytes()).toBeGreaterThan(0);
  });

  it("hands out zeroed storage, never the same array twice, and stays bounded", () => {
    const a = takeUninitialized("float32", 8192);
    a.fill(7);
    recycle(a);
    recycle(a); // a second release of the same array is ignored
    const b = takeZeroed("float32", 8192);
    expect(b).toBe(a);
    expect(b.every((v) => v === 0)).toBe(true);
    expect(takeZeroed("float32", 8192)).not.toBe(a);
    // views and small arrays are left to the garbage collector
    const before = pooledBytes();
    recycle(new Float32Array(100));
    recycle(new Float32Array(20000).subarray(8));
    expect(pooledBytes()).toBe(before);
    // at most a few arrays per size are kept
    for (let i = 0; i < 20; i++) recycle(new Float64Array(5000));
    expect(pooledBytes() - before).toBeLessThanOrEqual(4 * 5000 * 8);
  });
});
