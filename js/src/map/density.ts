// Density contours of the map's points: counts on a grid, blurred, traced by d3-contour. Pure
// (no DOM): the rings are in map coordinates ([-1, 1] on both axes), drawn through the view's
// scales by the overlay.
import { contours } from "d3-contour";

export const GRID = 128; // grid cells per side
export const MIN_POINTS = 500; // below this the points themselves show the density
const LEVELS = [0.04, 0.1, 0.2, 0.35, 0.55, 0.8]; // contour levels, as fractions of the peak

/** Point counts per grid cell (row 0 at the top: y = 1). */
export function densityGrid(x: ArrayLike<number>, y: ArrayLike<number>, n = GRID): Float64Array {
  const grid = new Float64Array(n * n);
  for (let i = 0; i < x.length; i++) {
    const gx = Math.min(n - 1, Math.max(0, Math.floor(((x[i] + 1) / 2) * n)));
    const gy = Math.min(n - 1, Math.max(0, Math.floor(((1 - y[i]) / 2) * n)));
    grid[gy * n + gx] += 1;
  }
  return grid;
}

/** A box blur of radius r, twice (close to a Gaussian), in place; the total is kept except
 * at the edges, where the clamped window counts the border cells again. */
export function blur(grid: Float64Array, n: number, r: number): void {
  const tmp = new Float64Array(grid.length);
  for (let pass = 0; pass < 2; pass++) {
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        let s = 0;
        for (let k = -r; k <= r; k++) s += grid[y * n + Math.min(n - 1, Math.max(0, x + k))];
        tmp[y * n + x] = s / (2 * r + 1);
      }
    }
    for (let x = 0; x < n; x++) {
      for (let y = 0; y < n; y++) {
        let s = 0;
        for (let k = -r; k <= r; k++) s += tmp[Math.min(n - 1, Math.max(0, y + k)) * n + x];
        grid[y * n + x] = s / (2 * r + 1);
      }
    }
  }
}

/** The contour rings of the points' density, each as [x0, y0, x1, y1, ...] in map
 * coordinates; none for fewer than MIN_POINTS points. */
export function densityRings(x: ArrayLike<number>, y: ArrayLike<number>, n = GRID): Float32Array[] {
  if (x.length < MIN_POINTS) return [];
  const grid = densityGrid(x, y, n);
  blur(grid, n, 2);
  let max = 0;
  for (const v of grid) max = Math.max(max, v);
  const rings: Float32Array[] = [];
  for (const c of contours().size([n, n]).thresholds(LEVELS.map((f) => f * max))(Array.from(grid))) {
    for (const polygon of c.coordinates) {
      for (const ring of polygon) {
        const xy = new Float32Array(ring.length * 2);
        ring.forEach(([gx, gy], j) => {
          xy[2 * j] = (gx / n) * 2 - 1;
          xy[2 * j + 1] = 1 - (gy / n) * 2;
        });
        rings.push(xy);
      }
    }
  }
  return rings;
}
