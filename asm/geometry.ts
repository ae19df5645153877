// A convolution's geometry as the host writes it into memory: 14 consecutive i32 fields.
@unmanaged
export class Geometry {
  batch: i32;
  cin: i32;
  h: i32;
  w: i32;
  cout: i32;
  kh: i32;
  kw: i32;
  ho: i32;
  wo: i32;
  strideH: i32;
  strideW: i32;
  padH: i32;
  padW: i32;
  circular: i32;
}

/** Where input row/column `pos` reads from: an index in [0, size), or -1 for a padded zero. */
@inline export function source(pos: i32, size: i32, circular: bool): i32 {
  if (pos >= 0 && pos < size) return pos;
  if (!circular) return -1;
  const r = pos % size;
  return r < 0 ? r + size : r;
}

/** A 1×1, stride-1, unpadded convolution is a plain matrix product: no im2col needed. */
@inline export function isPointwise(g: Geometry): bool {
  return g.kh == 1 && g.kw == 1 && g.strideH == 1 && g.strideW == 1 && g.padH == 0 && g.padW == 0;
}
