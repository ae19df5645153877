/**
 * The drawing canvas: pointer strokes on a 280×280 canvas, turned into a 28×28 MNIST-like image
 * the way MNIST was made (the ink's bounding box scaled into 20×20, then centred by its centre of
 * mass in 28×28), and the reverse (a 28×28 image drawn as strokes, for held-out samples).
 */
export const CANVAS_SIZE = 280;
export const STROKE_WIDTH = 18;

/** Wire pointer and keyboard drawing to `canvas`; `onDone` runs after every stroke. */
export function attachDrawing(canvas: HTMLCanvasElement, onDone: () => void, onClear: () => void): void {
  const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
  clearCanvas(canvas);
  let drawing = false;
  const pos = (e: PointerEvent) => {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) * canvas.width) / r.width, ((e.clientY - r.top) * canvas.height) / r.height] as const;
  };
  canvas.addEventListener("pointerdown", (e) => {
    drawing = true;
    canvas.setPointerCapture(e.pointerId);
    const [x, y] = pos(e);
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + 0.01, y);
    ctx.stroke();
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    const [x, y] = pos(e);
    ctx.lineTo(x, y);
    ctx.stroke();
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    onDone();
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  canvas.addEventListener("keydown", (e) => {
    if (e.key === "Delete" || e.key === "Backspace") {
      e.preventDefault();
      clearCanvas(canvas);
      onClear();
    }
  });
}

/** Black ground, white round strokes. */
export function clearCanvas(canvas: HTMLCanvasElement): void {
  const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.strokeStyle = "#fff";
  ctx.lineWidth = STROKE_WIDTH;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
}

/** Horizontal strokes (canvas coordinates) covering the pixels of a 28×28 image above `threshold`. */
export function imageToStrokes(pixels: ArrayLike<number>, threshold = 0.5): [number, number, number, number][] {
  const s = CANVAS_SIZE / 28;
  const strokes: [number, number, number, number][] = [];
  for (let r = 0; r < 28; r++) {
    let c = 0;
    while (c < 28) {
      if (pixels[r * 28 + c]! <= threshold) {
        c++;
        continue;
      }
      const start = c;
      while (c < 28 && pixels[r * 28 + c]! > threshold) c++;
      strokes.push([(start + 0.5) * s, (r + 0.5) * s, (c - 0.5) * s, (r + 0.5) * s]);
    }
  }
  return strokes;
}

/** Draw strokes [x0, y0, x1, y1] onto the canvas (the page's "held-out digit" button). */
export function drawStrokes(canvas: HTMLCanvasElement, strokes: [number, number, number, number][]): void {
  const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
  for (const [x0, y0, x1, y1] of strokes) {
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1 + 0.01, y1);
    ctx.stroke();
  }
}

/** The canvas's ink as a 28×28 image in [0, 1], MNIST-style: 20×20 box, centred by mass. Null if blank. */
export function canvasToImage(canvas: HTMLCanvasElement): Float32Array | null {
  const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
  const { width: w, height: hgt } = canvas;
  const px = ctx.getImageData(0, 0, w, hgt).data;
  let x0 = w, y0 = hgt, x1 = -1, y1 = -1;
  for (let y = 0; y < hgt; y++) for (let x = 0; x < w; x++) if (px[(y * w + x) * 4]! > 20) (x0 = Math.min(x0, x), x1 = Math.max(x1, x), y0 = Math.min(y0, y), y1 = Math.max(y1, y));
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  const scale = 20 / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * scale)), th = Math.max(1, Math.round(bh * scale));
  // scale the ink's box into at most 20×20 with the browser's smoothing (area averaging)
  const small = new OffscreenCanvas(tw, th);
  const sctx = small.getContext("2d", { willReadFrequently: true })!;
  sctx.imageSmoothingEnabled = true;
  sctx.imageSmoothingQuality = "high";
  sctx.drawImage(canvas, x0, y0, bw, bh, 0, 0, tw, th);
  const sp = sctx.getImageData(0, 0, tw, th).data;
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) {
    const v = sp[(y * tw + x) * 4]! / 255;
    mass += v;
    mx += v * x;
    my += v * y;
  }
  // place the box so that its centre of mass lands on the image's centre (14, 14)
  const ox = Math.round(14 - (mx / mass + 0.5)), oy = Math.round(14 - (my / mass + 0.5));
  const out = new Float32Array(784);
  for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) {
    const tx = x + ox, ty = y + oy;
    if (tx >= 0 && tx < 28 && ty >= 0 && ty < 28) out[ty * 28 + tx] = sp[(y * tw + x) * 4]! / 255;
  }
  return out;
}
