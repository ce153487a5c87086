// The 2-D canvas over the WebGL points: what regl does not draw. Density contours at overview
// zoom, a ring around each search hit, the query's star, and the box being dragged.

export interface Scene {
  width: number;
  height: number;
  x: (v: number) => number; // map → screen scales of the current view
  y: (v: number) => number;
  xs: ArrayLike<number>; // the points
  ys: ArrayLike<number>;
  contours: Float32Array[] | null; // null: not drawn (zoomed in, or switched off)
  dark: boolean;
  foreground: string; // the theme's text colour, for rings and the star's outline
  highlighted: readonly number[];
  query: { x: number; y: number } | null;
  box: [[number, number], [number, number]] | null; // screen corners
}

/** What was painted: ring count and the star's screen position (for tests and benchmarks). */
export interface Painted { rings: number; contours: number; star: [number, number] | null }

export function paintOverlay(ctx: CanvasRenderingContext2D, s: Scene): Painted {
  ctx.clearRect(0, 0, s.width, s.height);
  if (s.contours) {
    ctx.strokeStyle = s.dark ? "rgba(255,255,255,0.45)" : "rgba(0,0,0,0.35)";
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const ring of s.contours) {
      for (let j = 0; j < ring.length; j += 2) {
        const px = s.x(ring[j]);
        const py = s.y(ring[j + 1]);
        if (j === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
      }
      ctx.closePath();
    }
    ctx.stroke();
  }
  ctx.lineWidth = 2;
  ctx.strokeStyle = s.foreground;
  let rings = 0;
  for (const i of s.highlighted) {
    if (i >= s.xs.length) continue;
    ctx.beginPath();
    ctx.arc(s.x(s.xs[i]), s.y(s.ys[i]), 8, 0, 2 * Math.PI);
    ctx.stroke();
    rings++;
  }
  let starAt: [number, number] | null = null;
  if (s.query) {
    starAt = [s.x(s.query.x), s.y(s.query.y)];
    star(ctx, starAt[0], starAt[1], 10, "#d62728", s.foreground);
  }
  if (s.box) {
    const [[x0, y0], [x1, y1]] = s.box;
    ctx.fillStyle = "rgba(26,115,232,0.15)";
    ctx.strokeStyle = "#1a73e8";
    ctx.fillRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
    ctx.strokeRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
  }
  return { rings, contours: s.contours?.length ?? 0, star: starAt };
}

/** The corners of a five-pointed star of outer radius r around (x, y), as [x, y] pairs. */
export function starPoints(x: number, y: number, r: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < 10; i++) {
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    const rr = i % 2 === 0 ? r : r * 0.45;
    out.push([x + rr * Math.cos(a), y + rr * Math.sin(a)]);
  }
  return out;
}

function star(ctx: CanvasRenderingContext2D, x: number, y: number, r: number, fill: string, stroke: string) {
  ctx.beginPath();
  starPoints(x, y, r).forEach(([px, py], i) => (i === 0 ? ctx.moveTo(px, py) : ctx.lineTo(px, py)));
  ctx.closePath();
  ctx.fillStyle = fill;
  ctx.fill();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = stroke;
  ctx.stroke();
}
