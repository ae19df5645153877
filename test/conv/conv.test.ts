// conv2d: gradient checks (float64) across strides, paddings, both padding modes, odd and even
// kernels and non-square inputs; values against an independent padded-array definition; the
// profiler's multiply counts; and the errors.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getBackend, listBackends, setBackend } from "../../src/backend/index.js";
import { gradcheck } from "../../src/gradcheck.js";
import { conv2d, type Conv2dOptions } from "../../src/ops/conv.js";
import { profile } from "../../src/profile.js";
import { sum } from "../../src/ops/reduce.js";
import { randn, type Tensor } from "../../src/tensor.js";

interface Case {
  b: number; cin: number; h: number; w: number; cout: number; kh: number; kw: number;
  opts: Conv2dOptions; bias?: boolean;
}

const cases: Case[] = [
  { b: 2, cin: 2, h: 5, w: 5, cout: 3, kh: 3, kw: 3, opts: { padding: "same" }, bias: true },
  { b: 1, cin: 2, h: 5, w: 4, cout: 2, kh: 3, kw: 3, opts: { padding: "same", paddingMode: "circular" } },
  { b: 1, cin: 1, h: 6, w: 5, cout: 2, kh: 2, kw: 2, opts: { padding: "same" }, bias: true },
  { b: 1, cin: 2, h: 5, w: 6, cout: 2, kh: 2, kw: 4, opts: { padding: "same", paddingMode: "circular" } },
  { b: 2, cin: 2, h: 7, w: 6, cout: 2, kh: 3, kw: 2, opts: { stride: 2, padding: 1 }, bias: true },
  { b: 1, cin: 3, h: 6, w: 7, cout: 2, kh: 3, kw: 3, opts: { stride: [2, 3], padding: [1, 2], paddingMode: "circular" } },
  { b: 1, cin: 2, h: 5, w: 4, cout: 3, kh: 2, kw: 3, opts: { padding: "valid" }, bias: true },
  { b: 2, cin: 1, h: 4, w: 4, cout: 1, kh: 1, kw: 1, opts: {} , bias: true },
  { b: 1, cin: 2, h: 5, w: 5, cout: 2, kh: 4, kw: 4, opts: { stride: 3, padding: 2 } },
];

function label(c: Case): string {
  return `x[${c.b},${c.cin},${c.h},${c.w}] w[${c.cout},${c.cin},${c.kh},${c.kw}] ${JSON.stringify(c.opts)}${c.bias ? " +bias" : ""}`;
}

function inputs(c: Case, seed: number): Tensor[] {
  const o = { dtype: "float64" as const, seed };
  const t = [randn([c.b, c.cin, c.h, c.w], o), randn([c.cout, c.cin, c.kh, c.kw], { ...o, seed: seed + 1 })];
  if (c.bias) t.push(randn([c.cout], { ...o, seed: seed + 2 }));
  return t;
}

/** The definition on an explicitly padded array: y[b,c,i,j] = Σ W[c,c',di,dj] · xpad[b,c',s·i+di, s·j+dj]. */
function naiveConv(x: Tensor, w: Tensor, bias: Tensor | undefined, o: Conv2dOptions): { shape: number[]; data: number[] } {
  const [B, C, H, W] = x.shape as number[];
  const [CO, , KH, KW] = w.shape as number[];
  const [sh, sw] = typeof o.stride === "number" ? [o.stride, o.stride] : (o.stride ?? [1, 1]);
  let pt: number, pb: number, pl: number, pr: number;
  if (o.padding === "same") [pt, pb, pl, pr] = [Math.floor((KH! - 1) / 2), KH! - 1 - Math.floor((KH! - 1) / 2), Math.floor((KW! - 1) / 2), KW! - 1 - Math.floor((KW! - 1) / 2)];
  else if (o.padding === "valid" || o.padding === undefined) [pt, pb, pl, pr] = [0, 0, 0, 0];
  else {
    const [ph, pw] = typeof o.padding === "number" ? [o.padding, o.padding] : o.padding;
    [pt, pb, pl, pr] = [ph!, ph!, pw!, pw!];
  }
  const HP = H! + pt + pb, WP = W! + pl + pr;
  const circ = o.paddingMode === "circular";
  const xp = (b: number, c: number, r: number, q: number): number => {
    let rr = r - pt, qq = q - pl;
    if (circ) { rr = (rr + H!) % H!; qq = (qq + W!) % W!; }
    else if (rr < 0 || rr >= H! || qq < 0 || qq >= W!) return 0;
    return x.data[((b * C! + c) * H! + rr) * W! + qq]!;
  };
  const HO = Math.floor((HP - KH!) / sh!) + 1, WO = Math.floor((WP - KW!) / sw!) + 1;
  const out: number[] = [];
  for (let b = 0; b < B!; b++) for (let co = 0; co < CO!; co++) for (let i = 0; i < HO; i++) for (let j = 0; j < WO; j++) {
    let s = bias ? bias.data[co]! : 0;
    for (let c = 0; c < C!; c++) for (let di = 0; di < KH!; di++) for (let dj = 0; dj < KW!; dj++) {
      s += w.data[((co * C! + c) * KH! + di) * KW! + dj]! * xp(b, c, sh! * i + di, sw! * j + dj);
    }
    out.push(s);
  }
  return { shape: [B!, CO!, HO, WO], data: out };
}

for (const backend of ["reference", "js"]) {
  describe(`conv2d on the ${backend} backend`, () => {
    let saved = "";
    beforeAll(() => { saved = getBackend(); setBackend(backend); });
    afterAll(() => setBackend(saved));

    for (const [n, c] of cases.entries()) {
      it(`matches the padded-array definition and passes gradcheck: ${label(c)}`, () => {
        const [x, w, b] = inputs(c, 100 + n);
        const y = conv2d(x!, w!, b, c.opts);
        const want = naiveConv(x!, w!, b, c.opts);
        expect(y.shape).toEqual(want.shape);
        for (let i = 0; i < want.data.length; i++) expect(y.data[i]).toBeCloseTo(want.data[i]!, 10);
        const r = gradcheck((...t: Tensor[]) => conv2d(t[0]!, t[1]!, t[2], c.opts), inputs(c, 100 + n));
        expect(r.ok, JSON.stringify(r.worst)).toBe(true);
      });
    }
  });
}

describe("conv2d shapes and options", () => {
  it('"same" keeps the size for odd and even kernels (even: one more padded row/col after, as PyTorch)', () => {
    for (const k of [1, 2, 3, 4, 5]) {
      const y = conv2d(randn([1, 2, 7, 6]), randn([3, 2, k, k]), null, { padding: "same" });
      expect(y.shape).toEqual([1, 3, 7, 6]);
    }
  });

  it("computes the output size floor((n + 2p − k)/s) + 1", () => {
    expect(conv2d(randn([2, 1, 9, 8]), randn([4, 1, 3, 2]), null, { stride: [2, 3], padding: [1, 0] }).shape).toEqual([2, 4, 5, 3]);
  });

  it("float32 results agree with float64", () => {
    const x = randn([2, 3, 6, 5], { dtype: "float64", seed: 1 }), w = randn([4, 3, 3, 3], { dtype: "float64", seed: 2 });
    const y64 = conv2d(x, w, null, { padding: 1 });
    const y32 = conv2d(x.to("float32"), w.to("float32"), null, { padding: 1 });
    expect(y32.dtype).toBe("float32");
    for (let i = 0; i < y64.size; i++) expect(Math.abs(y32.data[i]! - y64.data[i]!)).toBeLessThan(1e-4);
  });
});

describe("conv2d work counts", () => {
  it("counts B·D²·N²·Cx·Cy multiplies in the seed's setting (stride 1, same padding, padded zeros included)", () => {
    for (const [B, D, N, Cx, Cy] of [[2, 5, 3, 2, 3], [1, 8, 5, 1, 2], [3, 4, 1, 3, 1], [2, 6, 3, 4, 4]] as const) {
      const x = randn([B, Cx, D, D]), w = randn([Cy, Cx, N, N]);
      const rep = profile(() => conv2d(x, w, null, { padding: "same" }));
      expect(rep.byOp.conv2d!.multiplies).toBe(B * D * D * N * N * Cx * Cy);
      expect(rep.byOp.conv2d!.adds).toBe(B * D * D * N * N * Cx * Cy);
      // real pixels: per axis Σ_i #{d : 0 ≤ i + d − ⌊N/2⌋ < D}
      let axis = 0;
      for (let i = 0; i < D; i++) for (let d = 0; d < N; d++) if (i + d - (N >> 1) >= 0 && i + d - (N >> 1) < D) axis++;
      expect(rep.byOp.conv2d!.extra!.realMultiplies).toBe(B * Cx * Cy * axis * axis);
      const circ = profile(() => conv2d(x, w, null, { padding: "same", paddingMode: "circular" }));
      expect(circ.byOp.conv2d!.extra!.realMultiplies).toBe(B * D * D * N * N * Cx * Cy);
    }
  });

  it("realMultiplies equals a brute-force count of in-range taps with strides and asymmetric sizes", () => {
    const [B, C, H, W, CO, KH, KW, sh, sw, ph, pw] = [2, 3, 7, 5, 2, 4, 3, 2, 3, 2, 1];
    const rep = profile(() => conv2d(randn([B, C, H, W]), randn([CO, C, KH, KW]), null, { stride: [sh, sw], padding: [ph, pw] }));
    const HO = Math.floor((H + 2 * ph - KH) / sh) + 1, WO = Math.floor((W + 2 * pw - KW) / sw) + 1;
    let real = 0;
    for (let i = 0; i < HO; i++) for (let j = 0; j < WO; j++) for (let di = 0; di < KH; di++) for (let dj = 0; dj < KW; dj++) {
      const r = sh * i + di - ph, q = sw * j + dj - pw;
      if (r >= 0 && r < H && q >= 0 && q < W) real++;
    }
    expect(rep.byOp.conv2d!.multiplies).toBe(B * HO * WO * CO * C * KH * KW);
    expect(rep.byOp.conv2d!.extra!.realMultiplies).toBe(B * CO * C * real);
  });

  it("backward reports the work of both swap-rule products", () => {
    const x = randn([2, 2, 5, 5], { requiresGrad: true }), w = randn([3, 2, 3, 3], { requiresGrad: true });
    const rep = profile(() => sum(conv2d(x, w, null, { padding: "same" })).backward());
    const fwd = 2 * 25 * 9 * 2 * 3;
    expect(rep.byOp["conv2d.backward"]!.multiplies).toBe(2 * fwd);
  });
});

describe("conv2d errors", () => {
  it("names both shapes and the dimension on a channel mismatch", () => {
    expect(() => conv2d(randn([1, 3, 5, 5]), randn([2, 4, 3, 3]))).toThrow(/\[1, 3, 5, 5\].*3 channels \(dim 1\).*\[2, 4, 3, 3\].*expects 4/);
  });
  it("rejects a kernel larger than the padded input", () => {
    expect(() => conv2d(randn([1, 1, 2, 5]), randn([1, 1, 4, 3]), null, { padding: 0 })).toThrow(/kernel height 4 is larger than the padded input height/);
  });
  it("rejects bad options", () => {
    const x = randn([1, 1, 5, 5]), w = randn([1, 1, 3, 3]);
    expect(() => conv2d(x, w, null, { stride: 0 })).toThrow(/stride must be an integer ≥ 1/);
    expect(() => conv2d(x, w, null, { padding: -1 })).toThrow(/padding must be an integer ≥ 0/);
    expect(() => conv2d(x, w, null, { padding: "full" as never })).toThrow(/padding must be a number/);
    expect(() => conv2d(x, w, null, { paddingMode: "reflect" as never })).toThrow(/paddingMode must be "zeros" or "circular"/);
    expect(() => conv2d(x, w, null, { padding: "same", stride: 2 })).toThrow(/"same" needs stride 1/);
    expect(() => conv2d(x, w, null, { padding: 6, paddingMode: "circular" })).toThrow(/more than once/);
    expect(() => conv2d(x, w, null, { strides: 2 } as never)).toThrow(/unknown option "strides"/);
    expect(() => conv2d(x, w, randn([2]))).toThrow(/bias \[2\] does not match weight \[1, 1, 3, 3\]/);
    expect(() => conv2d(randn([1, 5, 5]), w)).toThrow(/NCHW/);
    expect(() => conv2d(x, w.to("float64"))).toThrow(/dtype mismatch/);
  });
});

describe("conv2d in float32 on every registered backend", () => {
  it("forward and gradients agree with the float64 definition", () => {
    const saved = getBackend();
    const x64 = randn([3, 5, 9, 7], { dtype: "float64", seed: 31 }), w64 = randn([6, 5, 3, 2], { dtype: "float64", seed: 32 });
    const b64 = randn([6], { dtype: "float64", seed: 33 });
    const opts: Conv2dOptions = { stride: [2, 1], padding: [1, 2], paddingMode: "circular" };
    setBackend("reference");
    const want = (() => {
      const [x, w, b] = [x64, w64, b64].map((t) => t.clone().requiresGrad_());
      const y = conv2d(x!, w!, b!, opts);
      sum(y).backward();
      return { y: y.data, gx: x!.grad!.data, gw: w!.grad!.data, gb: b!.grad!.data };
    })();
    try {
      for (const name of listBackends()) {
        setBackend(name);
        const [x, w, b] = [x64, w64, b64].map((t) => t.to("float32").requiresGrad_());
        const y = conv2d(x!, w!, b!, opts);
        sum(y).backward();
        const pairs: [string, ArrayLike<number>, ArrayLike<number>][] = [["y", y.data, want.y], ["x.grad", x!.grad!.data, want.gx], ["w.grad", w!.grad!.data, want.gw], ["b.grad", b!.grad!.data, want.gb]];
        for (const [what, got, exp] of pairs) {
          for (let i = 0; i < exp.length; i++) expect(Math.abs(got[i]! - exp[i]!), `${name} ${what}[${i}]`).toBeLessThan(1e-4 * (1 + Math.abs(exp[i]!)));
        }
      }
    } finally {
      setBackend(saved);
    }
  });
});
