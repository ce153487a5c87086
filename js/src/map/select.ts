// Hit testing and sizes for the map's points. Pure (no DOM, no WebGL).

/** A rectangle in map coordinates. */
export interface Box { x0: number; x1: number; y0: number; y1: number }

/** The box between two corners in screen pixels, in map coordinates (screen y grows down,
 * map y up), through the view's inverse scales. */
export function boxFromScreen(
  a: [number, number], b: [number, number],
  invertX: (px: number) => number, invertY: (py: number) => number,
): Box {
  return {
    x0: invertX(Math.min(a[0], b[0])),
    x1: invertX(Math.max(a[0], b[0])),
    y0: invertY(Math.max(a[1], b[1])),
    y1: invertY(Math.min(a[1], b[1])),
  };
}

/** Indices of the points inside ``box`` (edges included), leaving out points whose category
 * code is in ``hidden`` (categories switched off in the legend). */
export function pointsInBox(
  x: ArrayLike<number>, y: ArrayLike<number>, box: Box,
  codes: ArrayLike<number> | null = null, hidden: ReadonlySet<number> = new Set(),
): number[] {
  const picked: number[] = [];
  const skip = codes !== null && hidden.size > 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] < box.x0 || x[i] > box.x1 || y[i] < box.y0 || y[i] > box.y1) continue;
    if (skip && hidden.has(codes[i])) continue;
    picked.push(i);
  }
  return picked;
}

/** Indices of the points whose category code is not hidden (the legend's filter). */
export function visiblePoints(codes: ArrayLike<number>, hidden: ReadonlySet<number>): number[] {
  const keep: number[] = [];
  for (let i = 0; i < codes.length; i++) if (!hidden.has(codes[i])) keep.push(i);
  return keep;
}

/** Point size in pixels: bigger when there are few, small ones for a million. */
export function pointSize(n: number): number {
  return n < 5_000 ? 6 : n < 100_000 ? 4 : n < 500_000 ? 2.5 : 1.5;
}
