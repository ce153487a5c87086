import { test } from "node:test";
import assert from "node:assert/strict";
import { tableFromArrays, tableToIPC } from "@uwdata/flechette";
import { blur, densityGrid, densityRings, GRID, MIN_POINTS } from "../src/map/density";
import { boxFromScreen, pointSize, pointsInBox, visiblePoints } from "../src/map/select";
import { PALETTE, VIRIDIS, encode, plainColour } from "../src/map/colours";
import { columns } from "../src/map/columns";
import { starPoints } from "../src/map/overlay";

/** n points of a normal cluster around (cx, cy), deterministic (Box-Muller on a LCG). */
function cluster(n: number, cx: number, cy: number, sd: number): { x: Float32Array; y: Float32Array } {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) + 0.5) / 2 ** 31;
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = Math.sqrt(-2 * Math.log(rand()));
    const a = 2 * Math.PI * rand();
    x[i] = cx + sd * r * Math.cos(a);
    y[i] = cy + sd * r * Math.sin(a);
  }
  return { x, y };
}

test("the density grid counts every point once, with map y up and grid rows down", () => {
  const grid = densityGrid([-1, 1, 0.999, -0.999], [1, -1, 0.999, -0.999], 4);
  assert.equal(grid.reduce((a, b) => a + b, 0), 4);
  assert.equal(grid[0 * 4 + 0], 1); // (-1, 1): top left
  assert.equal(grid[0 * 4 + 3], 1); // (0.999, 0.999): top right
  assert.equal(grid[3 * 4 + 3], 1); // (1, -1): clamped into the bottom right
  assert.equal(grid[3 * 4 + 0], 1); // (-0.999, -0.999): bottom left
});

test("the blur spreads a peak and keeps its mass away from the edges", () => {
  const n = 32;
  const grid = new Float64Array(n * n);
  grid[16 * n + 16] = 100;
  blur(grid, n, 2);
  const total = grid.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(total - 100) < 1e-9, String(total));
  assert.ok(grid[16 * n + 16] < 100 && grid[16 * n + 16] > grid[16 * n + 19]);
  assert.equal(grid[16 * n + 16], Math.max(...grid)); // the peak stays where it was
});

test("contours surround a cluster, and none are drawn for a handful of points", () => {
  const few = cluster(MIN_POINTS - 1, 0, 0, 0.1);
  assert.deepEqual(densityRings(few.x, few.y), []);
  const { x, y } = cluster(5_000, 0.4, -0.3, 0.08);
  const rings = densityRings(x, y, GRID);
  assert.ok(rings.length >= 3, `${rings.length} rings`);
  for (const ring of rings) {
    assert.equal(ring.length % 2, 0);
    assert.equal(ring[0], ring[ring.length - 2]); // closed
    assert.equal(ring[1], ring[ring.length - 1]);
  }
  // The innermost (smallest) ring is centred on the cluster.
  const spread = (r: Float32Array) => Math.max(...r.filter((_, i) => i % 2 === 0)) - Math.min(...r.filter((_, i) => i % 2 === 0));
  const inner = rings.reduce((a, b) => (spread(a) <= spread(b) ? a : b));
  let sx = 0, sy = 0;
  for (let j = 0; j < inner.length; j += 2) { sx += inner[j]; sy += inner[j + 1]; }
  const k = inner.length / 2;
  assert.ok(Math.abs(sx / k - 0.4) < 0.05 && Math.abs(sy / k + 0.3) < 0.05, `${sx / k}, ${sy / k}`);
});

test("a box picks exactly the points inside it, edges included, and skips hidden categories", () => {
  const x = [0, 0.5, 1, -0.5, 0.25];
  const y = [0, 0.5, 1, 0.5, 0.26];
  const box = { x0: 0, x1: 0.5, y0: 0, y1: 0.5 };
  assert.deepEqual(pointsInBox(x, y, box), [0, 1, 4]);
  assert.deepEqual(pointsInBox(x, y, { ...box, y1: 0.3 }), [0, 4]);
  const codes = [0, 1, 0, 1, 1];
  assert.deepEqual(pointsInBox(x, y, box, codes, new Set([0])), [1, 4]);
  assert.deepEqual(visiblePoints(codes, new Set([1])), [0, 2]);
});

test("a dragged box becomes map coordinates with y flipped", () => {
  // A 200 x 100 px view of [-1, 1] x [-1, 1]: screen y grows down.
  const invertX = (px: number) => px / 100 - 1;
  const invertY = (py: number) => 1 - py / 50;
  const box = boxFromScreen([150, 75], [50, 25], invertX, invertY);
  assert.deepEqual(box, { x0: -0.5, x1: 0.5, y0: -0.5, y1: 0.5 });
});

test("points shrink as there are more of them", () => {
  const sizes = [10, 10_000, 200_000, 1_000_000].map(pointSize);
  assert.deepEqual(sizes, [6, 4, 2.5, 1.5]);
});

test("numbers are coloured through w next to a zero z column (one colour otherwise)", () => {
  const x = new Float32Array(3);
  const y = new Float32Array(3);
  const value = new Float32Array([0, 0.5, 1]);
  const numeric = encode(x, y, value, { kind: "value", min: 0, max: 999 }, false);
  assert.equal(numeric.settings.colorBy, "valueB");
  assert.deepEqual(numeric.settings.pointColor, VIRIDIS);
  assert.equal(numeric.points.w, value);
  assert.deepEqual(Array.from(numeric.points.z), [0, 0, 0]);
  assert.equal(numeric.options.wDataType, "continuous");

  const codes = new Uint8Array([0, 1, 2]);
  const category = encode(x, y, codes, { kind: "category", labels: ["a", "b", "c"] }, true);
  assert.equal(category.settings.colorBy, "valueA");
  assert.deepEqual(category.settings.pointColor, PALETTE);
  assert.equal(category.points.z, codes);

  const plain = encode(x, y, null, { kind: "none" }, true);
  assert.equal(plain.settings.colorBy, null);
  assert.equal(plain.settings.pointColor, plainColour(true));
  assert.notEqual(plainColour(true), plainColour(false));
});

test("point columns decode from Arrow IPC as typed arrays", () => {
  const table = tableFromArrays({
    x: new Float32Array([-1, 0, 1]),
    y: new Float32Array([1, 0, -1]),
    color: new Uint8Array([2, 0, 1]),
  });
  const cols = columns(tableToIPC(table, { format: "stream" }));
  assert.ok(cols.x instanceof Float32Array && cols.color instanceof Uint8Array);
  assert.deepEqual(Array.from(cols.x), [-1, 0, 1]);
  assert.deepEqual(Array.from(cols.y), [1, 0, -1]);
  assert.deepEqual(Array.from(cols.color!), [2, 0, 1]);
  const empty = columns(null);
  assert.equal(empty.x.length, 0);
  assert.equal(empty.color, null);
});

test("the query's star has five outer points at the radius and five inner ones", () => {
  const pts = starPoints(10, 20, 10);
  assert.equal(pts.length, 10);
  const radii = pts.map(([px, py]) => Math.hypot(px - 10, py - 20));
  radii.forEach((r, i) => assert.ok(Math.abs(r - (i % 2 === 0 ? 10 : 4.5)) < 1e-9));
  assert.ok(Math.abs(pts[0][0] - 10) < 1e-9 && Math.abs(pts[0][1] - 10) < 1e-9); // points up
});
