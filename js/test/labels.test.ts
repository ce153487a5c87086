import { test } from "node:test";
import assert from "node:assert/strict";
import { levelFor, membersOf, placeLabels } from "../src/map/labels";

const L = (level: number, cluster: number, size: number, x: number, y: number, label = "ab") => ({ level, cluster, size, x, y, label });
const id = (v: number) => v;

test("the coarse level over the whole map, the fine one zoomed in", () => {
  assert.equal(levelFor(2), 0);
  assert.equal(levelFor(0.8), 1);
});

test("larger clusters first; an overlapping or out-of-view label is left out", () => {
  const labels = [L(0, 0, 10, 50, 50), L(0, 1, 99, 55, 52), L(0, 2, 5, 300, 300), L(0, 3, 7, 900, 50), L(1, 4, 500, 10, 10)];
  const placed = placeLabels(labels, 0, id, id, 400, 400);
  assert.deepEqual(placed.map((p) => p.label.cluster), [1, 2]);  // 0 overlaps 1; 3 is out of view
  assert.deepEqual(placeLabels(labels, 1, id, id, 400, 400).map((p) => p.label.cluster), [4]);
});

test("a label's points are the ones with its code", () => {
  assert.deepEqual(membersOf(new Uint8Array([0, 2, 2, 1, 2]), 2), [1, 2, 4]);
});
