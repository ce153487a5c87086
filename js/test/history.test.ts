import { test } from "node:test";
import assert from "node:assert/strict";
import { historyPoints } from "../src/lib/history";

test("runs take one x position each, in time order, with every config's value", () => {
  const rows = [
    { run_id: "r2", run: "after", at: new Date(2000), config: "vector", "ndcg@10": 0.6 },
    { run_id: "r1", run: "before", at: new Date(1000), config: "vector", "ndcg@10": 0.5 },
    { run_id: "r1", run: "before", at: new Date(1000), config: "hybrid", "ndcg@10": 0.7 },
    { run_id: "r3", run: "r3", at: new Date(3000), config: "vector", "recall@10": 0.9 },
  ];
  assert.deepEqual(historyPoints(rows, "ndcg@10"), [
    { run: "before", order: 1, config: "vector", value: 0.5 },
    { run: "before", order: 1, config: "hybrid", value: 0.7 },
    { run: "after", order: 2, config: "vector", value: 0.6 },
  ]);
});
