// "Why this hit?": a panel under a hit card with each query term's part of the BM25 score,
// the chunk's sentences nearest to the query, and (with ColBERT) which token of the hit each
// query token matched: hovering a query token lights up its token in the text. The numbers
// come from Python (vecstore_lab.reasons); all text goes in as text.
import { el } from "./dom";

export interface TermReason { term: string; words: string[]; tf: number; contribution: number; share: number }
export interface SentenceReason { sentence: string; start: number; end: number; similarity: number; rank: number }
export interface TokenReason { query_token: string; doc_token: string; doc_start: number; doc_end: number; similarity: number }
export interface WhyReply { terms: TermReason[]; sentences: SentenceReason[]; tokens: TokenReason[] }

/** The terms that carry score, largest part first. */
export function scoringTerms(terms: TermReason[]): TermReason[] {
  return terms.filter((t) => t.contribution > 0).sort((a, b) => b.contribution - a.contribution);
}

/** ``text`` cut into runs at the aligned tokens' offsets: [start, end, indices of the query
 * tokens that matched this run] (runs with no match have an empty list). */
export function tokenRuns(text: string, tokens: TokenReason[]): [number, number, number[]][] {
  const cuts = new Set<number>([0, text.length]);
  for (const t of tokens) if (t.doc_end > t.doc_start) { cuts.add(t.doc_start); cuts.add(t.doc_end); }
  const points = Array.from(cuts).filter((c) => c >= 0 && c <= text.length).sort((a, b) => a - b);
  const runs: [number, number, number[]][] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const [a, b] = [points[i], points[i + 1]];
    const by = tokens.flatMap((t, q) => (t.doc_start <= a && b <= t.doc_end && t.doc_end > t.doc_start ? [q] : []));
    runs.push([a, b, by]);
  }
  return runs;
}

/** Mark the card's highlighted words with their term's weight (title and --weight). */
export function weighMarks(card: HTMLElement, terms: TermReason[]): void {
  const byWord = new Map<string, TermReason>();
  for (const t of scoringTerms(terms)) for (const w of t.words) byWord.set(w.toLowerCase(), t);
  for (const mark of card.querySelectorAll<HTMLElement>(".vsl-text mark")) {
    const t = byWord.get((mark.textContent ?? "").toLowerCase());
    if (!t) continue;
    mark.title = `${t.term}: ${t.contribution.toFixed(2)} of the BM25 score (${Math.round(t.share * 100)}%)`;
    mark.style.setProperty("--weight", t.share.toFixed(3));
    mark.classList.add("weighed");
  }
}

export function whyPanel(reply: WhyReply, text: string): HTMLElement {
  const parts: HTMLElement[] = [];
  const terms = scoringTerms(reply.terms);
  if (terms.length) {
    parts.push(el("div", { class: "vsl-why-row", attrs: { "data-testid": "why-terms" } }, [
      el("span", { class: "vsl-why-label", text: "bm25" }),
      ...terms.map((t) => {
        const chip = el("span", {
          class: "vsl-why-term",
          text: `${t.term} ${t.contribution.toFixed(2)} · ${Math.round(t.share * 100)}%`,
          title: `${t.words.join(", ")} ×${t.tf} in this hit`,
          attrs: { "data-term": t.term },
        });
        chip.style.setProperty("--weight", t.share.toFixed(3));
        return chip;
      }),
    ]));
  }
  const near = reply.sentences.filter((s) => s.rank <= 2);
  if (near.length) {
    parts.push(el("div", { class: "vsl-why-row", attrs: { "data-testid": "why-sentences" } }, [
      el("span", { class: "vsl-why-label", text: "nearest" }),
      ...near.map((s) => el("span", { class: "vsl-why-sentence", text: `“${s.sentence}” ${s.similarity.toFixed(2)}`, attrs: { "data-start": String(s.start) } })),
    ]));
  }
  if (reply.tokens.length) {
    const queryTokens = reply.tokens.map((t, q) => el("span", {
      class: "vsl-why-qtok",
      text: t.query_token,
      title: `→ ${t.doc_token} (${t.similarity.toFixed(2)})`,
      attrs: { "data-q": String(q), tabindex: "0" },
    }));
    const shown = text.length > 1200 ? text.slice(0, 1200) : text;
    const body = el("div", { class: "vsl-why-doc", attrs: { "data-testid": "why-doc" } });
    for (const [a, b, by] of tokenRuns(shown, reply.tokens)) {
      if (!by.length) { body.appendChild(document.createTextNode(shown.slice(a, b))); continue; }
      body.appendChild(el("span", { class: "vsl-why-dtok", text: shown.slice(a, b), attrs: { "data-q": by.join(" ") } }));
    }
    const light = (q: string | null) => {
      for (const span of body.querySelectorAll<HTMLElement>(".vsl-why-dtok")) {
        span.classList.toggle("lit", q !== null && (span.dataset.q ?? "").split(" ").includes(q));
      }
      for (const tok of queryTokens) tok.classList.toggle("lit", q !== null && tok.dataset.q === q);
    };
    for (const tok of queryTokens) {
      tok.addEventListener("mouseenter", () => light(tok.dataset.q ?? null));
      tok.addEventListener("focus", () => light(tok.dataset.q ?? null));
      tok.addEventListener("mouseleave", () => light(null));
      tok.addEventListener("blur", () => light(null));
    }
    parts.push(el("div", { class: "vsl-why-row", attrs: { "data-testid": "why-tokens" } }, [el("span", { class: "vsl-why-label", text: "colbert" }), ...queryTokens]));
    parts.push(body);
  }
  if (!parts.length) parts.push(el("div", { class: "vsl-status", text: "no term, sentence or token to show for this hit" }));
  return el("div", { class: "vsl-why", attrs: { "data-testid": "why-panel" } }, parts);
}
