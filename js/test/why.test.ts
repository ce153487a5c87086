import { test } from "node:test";
import assert from "node:assert/strict";
import { scoringTerms, tokenRuns } from "../src/lib/why";

test("only terms that carry score are shown, largest part first", () => {
  const t = (term: string, contribution: number) => ({ term, words: [term], tf: 1, contribution, share: 0 });
  assert.deepEqual(scoringTerms([t("a", 0.5), t("b", 0), t("c", 2)]).map((x) => x.term), ["c", "a"]);
});

test("the text is cut at the aligned tokens, each run knowing which query tokens matched it", () => {
  const tok = (doc_start: number, doc_end: number) => ({ query_token: "q", doc_token: "", doc_start, doc_end, similarity: 1 });
  const runs = tokenRuns("a kitten sleeps", [tok(2, 8), tok(2, 8), tok(9, 15)]);
  assert.deepEqual(runs, [[0, 2, []], [2, 8, [0, 1]], [8, 9, []], [9, 15, [2]]]);
  assert.deepEqual(tokenRuns("abc", []), [[0, 3, []]]);
});
