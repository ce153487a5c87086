import { test } from "node:test";
import assert from "node:assert/strict";
import { pickAfter, ticksOf } from "../src/lib/facets";
import { encode, keptLast, unpackKeep } from "../src/map/colours";

const cat = { range: false, extend: false };
const hist = { range: true, extend: false };

test("a click picks one bar, a second click on it drops it", () => {
  assert.deepEqual(pickAfter([], 2, 2, cat), [2]);
  assert.deepEqual(pickAfter([2], 2, 2, cat), []);
  assert.deepEqual(pickAfter([2, 4], 4, 4, cat), [4]);
});

test("shift toggles a category and stretches a histogram's range", () => {
  assert.deepEqual(pickAfter([1], 3, 3, { ...cat, extend: true }), [1, 3]);
  assert.deepEqual(pickAfter([1, 3], 3, 3, { ...cat, extend: true }), [1]);
  assert.deepEqual(pickAfter([4], 1, 1, { ...hist, extend: true }), [1, 2, 3, 4]);
});

test("a drag picks the bars between, either way", () => {
  assert.deepEqual(pickAfter([9], 5, 2, hist), [2, 3, 4, 5]);
  assert.deepEqual(pickAfter([9], 2, 3, { ...hist, extend: true }), [2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(pickAfter([9], 2, 3, { ...cat, extend: true }), [2, 3, 9]);
});

test("histogram ticks thin out on a narrow axis and keep the first bin", () => {
  const labels = Array.from({ length: 20 }, (_, i) => `${i}..${i + 1}`);
  assert.equal(ticksOf(labels, 2000).length, 20);
  const narrow = ticksOf(labels, 300);
  assert.ok(narrow.length <= 6 && narrow[0] === "0..1", narrow.join(" "));
});

test("the kept flags unpack from numpy's little-endian bits; dimmed points are drawn first", () => {
  // numpy.packbits([1,0,1,1,0,0,0,0, 1], bitorder="little") == [0b1101, 0b1]
  const keep = unpackKeep(new Uint8Array([0b1101, 0b1]), 9)!;
  assert.deepEqual(Array.from(keep), [1, 0, 1, 1, 0, 0, 0, 0, 1]);
  assert.equal(unpackKeep(new Uint8Array(), 9), null);
  assert.deepEqual(keptLast(new Uint8Array([1, 0, 1, 0])), [1, 3, 0, 2]);
});

test("dimming takes the point value the colour leaves free", () => {
  const x = new Float32Array(3);
  const keep = new Uint8Array([1, 0, 1]);
  const byCategory = encode(x, x, new Uint8Array([0, 1, 2]), { kind: "category" }, false, keep);
  assert.equal(byCategory.settings.colorBy, "valueA");
  assert.equal(byCategory.settings.opacityBy, "valueB");
  assert.equal(byCategory.points.w, keep);
  const byValue = encode(x, x, new Float32Array([0, 0.5, 1]), { kind: "value" }, false, keep);
  assert.equal(byValue.settings.colorBy, "valueB");
  assert.equal(byValue.settings.opacityBy, "valueA");
  assert.equal(byValue.points.z, keep);
  const plain = encode(x, x, null, { kind: "none" }, false, null);
  assert.equal(plain.settings.opacityBy, null);
  assert.equal(plain.settings.opacity, 0.8);
});
