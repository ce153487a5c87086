// Hit cards shared by the SearchWidget and the EvalWidget's drill-down: rank, id, score, text
// with the query's terms marked, metadata, one bar per scoring stage, and (in evaluation) the
// relevance judgement. All user data goes in as text.
import { el, formatValue, highlighted, wordPattern } from "./dom";
import type { Row } from "./arrow";

export const STAGES: [string, string][] = [
  ["_vector_score", "vector"],
  ["_fts_score", "bm25"],
  ["_fused_score", "fused"],
  ["_rerank_score", "rerank"],
];
// Columns the store owns; everything a query adds starts with "_", so every other column is
// the user's metadata, whatever its name (score, rank, distance...).
const OWN = new Set(["id", "text", "vector"]);
const isMetadata = (c: string): boolean => !OWN.has(c) && !c.startsWith("_");
// Bookkeeping that add_documents writes on every chunk: shown on demand, not on every card.
const DETAIL = new Set(["chunk_index", "start_index"]);

export function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

export interface CardContext {
  pattern: RegExp | null;
  maxima: Record<string, number>;
  metaCols: string[];
  selectedId?: unknown;
}

/** What every card of one result list shares: the largest score per stage, metadata columns. */
export function cardContext(rows: Row[], pattern: RegExp | null, selectedId?: unknown): CardContext {
  const maxima: Record<string, number> = {};
  for (const [col] of STAGES) maxima[col] = Math.max(0, ...rows.map((r) => Math.abs(num(r[col]) ?? 0)));
  const metaCols = rows.length ? Object.keys(rows[0]).filter(isMetadata) : [];
  return { pattern, maxima, metaCols, selectedId };
}

export function hitCard(row: Row, ctx: CardContext): HTMLElement {
  const change = num(row["_rank_change"]);
  const move = change === null || change === 0 ? null
    : el("span", { class: `vsl-move ${change > 0 ? "up" : "down"}`, text: `${change > 0 ? "▲" : "▼"}${Math.abs(change)}`, title: `was #${row["_retrieval_rank"]}` });
  const grade = num(row["_relevance"]);
  const judged = grade === null ? null
    : el("span", {
      class: `vsl-judged ${grade > 0 ? "relevant" : "not-relevant"}`,
      text: grade > 0 ? `✓ relevant (${grade})` : "not judged relevant",
      attrs: { "data-testid": grade > 0 ? "relevant" : "not-relevant" },
    });
  const head = el("div", { class: "vsl-hit-head" }, [
    el("span", { class: "vsl-rank", text: `#${row["_rank"]}` }),
    el("span", { class: "vsl-id", text: String(row["id"]) }),
    el("span", { text: `score ${formatValue(row["_score"])}` }),
    move,
    judged,
  ]);
  const text = el("div", { class: "vsl-text" });
  const full = String(row["text"] ?? "");
  text.appendChild(highlighted(full.length > 400 ? full.slice(0, 400) + "…" : full, ctx.pattern));
  const present = ctx.metaCols.filter((c) => row[c] !== null && row[c] !== undefined);
  const field = (c: string) => el("span", { text: `${c}: ${formatValue(row[c])}` });
  const meta = el("div", { class: "vsl-meta" }, present.filter((c) => !DETAIL.has(c)).map(field));
  const details = present.filter((c) => DETAIL.has(c));
  if (details.length) {
    const more = el("button", { class: "vsl-more", text: `+${details.length}`, title: details.join(", "), attrs: { "data-testid": "more" } });
    more.addEventListener("click", (event) => {
      event.stopPropagation(); // showing details is not selecting the hit
      more.replaceWith(...details.map(field));
    });
    meta.appendChild(more);
  }
  const bars = el("div", { class: "vsl-bars", attrs: { "data-testid": "breakdown" } });
  for (const [col, label] of STAGES) {
    const v = num(row[col]);
    if (v === null) continue;
    const width = ctx.maxima[col] > 0 ? Math.max(0, (Math.abs(v) / ctx.maxima[col]) * 100) : 0;
    const rankCol = col === "_vector_score" ? "_vector_rank" : col === "_fts_score" ? "_fts_rank" : null;
    const stageRank = rankCol && row[rankCol] != null ? ` #${row[rankCol]}` : "";
    // One element per bar (the fill is a CSS gradient): a thousand hits stay cheap to lay out.
    const bar = el("div", { class: "vsl-bar", text: `${label}${stageRank} · ${v.toFixed(3)}` });
    bar.style.setProperty("--w", `${width.toFixed(1)}%`);
    bars.appendChild(bar);
  }
  const card = el("div", { class: "vsl-hit", attrs: { "data-id": String(row["id"]), "data-testid": "hit" } }, [el("div", {}, [head, text, meta]), bars]);
  if (grade !== null && grade > 0) card.classList.add("relevant");
  if (ctx.selectedId !== undefined && row["id"] === ctx.selectedId) card.classList.add("selected");
  return card;
}

/** A whole (short) result list as hit cards: what the JupyterLab panel and MIME renderer show,
 * built with the same cards as the SearchWidget. ``words`` are the words to mark. */
export function hitList(rows: Row[], words: string[]): HTMLElement {
  const ctx = cardContext(rows, wordPattern(words));
  return el("div", { class: "vsl-hits", attrs: { "data-testid": "hits" } }, rows.map((row) => hitCard(row, ctx)));
}
