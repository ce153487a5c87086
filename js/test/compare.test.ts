import { test } from "node:test";
import assert from "node:assert/strict";
import { joinRanks, summaryText } from "../src/lib/compare";

test("two rankings join by id, with each side's rank; the rest is new or dropped", () => {
  const join = joinRanks(["a", "b", "c", "d"], ["c", "a", "e"]);
  assert.deepEqual(join.links, [
    { id: "a", from: 1, to: 2 },
    { id: "c", from: 3, to: 1 },
  ]);
  assert.deepEqual([...join.dropped], ["b", "d"]);
  assert.deepEqual([...join.added], ["e"]);
  const none = joinRanks([], ["x"]);
  assert.deepEqual(none.links, []);
  assert.deepEqual([...none.added], ["x"]);
});

test("the summary line names both sides' nDCG only with judgements", () => {
  const names = ["vector", "hybrid"];
  assert.equal(
    summaryText({ k: 10, overlap: 0.7, rbo: 0.8123, ndcg: [0.5, 0.75], judged: [0.8, 1] }, names),
    "overlap@10 0.70 · RBO 0.81 · nDCG@10 vector 0.50 · hybrid 0.75 (judged 80% · 100%)",
  );
  assert.equal(
    summaryText({ k: 5, overlap: 1, rbo: 1 }, names),
    "overlap@5 1.00 · RBO 1.00 · nDCG: no judgements for this query",
  );
  assert.equal(summaryText({}, names), "");
});
