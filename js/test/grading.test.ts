import { test } from "node:test";
import assert from "node:assert/strict";
import { gradeKey, moveKey } from "../src/lib/grading";

test("keys 0-3 are grades; other keys are not", () => {
  assert.deepEqual(["0", "1", "2", "3"].map(gradeKey), [0, 1, 2, 3]);
  for (const key of ["4", "-", "a", "Enter", "10", ""]) assert.equal(gradeKey(key), null);
});

test("j/k and the arrows move between hits and stop at the ends", () => {
  assert.equal(moveKey("j", -1, 3), 0); // the first press focuses the first hit
  assert.equal(moveKey("ArrowDown", 0, 3), 1);
  assert.equal(moveKey("j", 2, 3), 2);
  assert.equal(moveKey("k", 2, 3), 1);
  assert.equal(moveKey("ArrowUp", 0, 3), 0);
  assert.equal(moveKey("k", -1, 3), 0);
  assert.equal(moveKey("x", 1, 3), null);
  assert.equal(moveKey("j", -1, 0), null); // no hits: nowhere to go
});
