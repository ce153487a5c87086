// Compare mode of the SearchWidget: two result lists side by side, a line joining each id
// both found (its rank on each side), and hits only one side found marked new or dropped.
import { el } from "./dom";

export interface Link {
  id: string;
  from: number; // 1-based rank on the left
  to: number; // 1-based rank on the right
}

export interface Join {
  links: Link[];
  dropped: Set<string>; // only on the left
  added: Set<string>; // only on the right
}

/** How two rankings of one query line up. */
export function joinRanks(left: string[], right: string[]): Join {
  const at = new Map(right.map((id, i) => [id, i + 1]));
  const inLeft = new Set(left);
  const links: Link[] = [];
  const dropped = new Set<string>();
  left.forEach((id, i) => {
    const to = at.get(id);
    if (to === undefined) dropped.add(id);
    else links.push({ id, from: i + 1, to });
  });
  const added = new Set(right.filter((id) => !inLeft.has(id)));
  return { links, dropped, added };
}

/** "overlap@10 0.70 · RBO 0.81 · nDCG@10 vector 0.62 · hybrid 0.71 (judged 80% · 100%)". */
export function summaryText(summary: Record<string, unknown>, names: string[]): string {
  const k = summary["k"];
  if (typeof k !== "number") return "";
  const f = (v: unknown) => (typeof v === "number" ? v.toFixed(2) : "–");
  const parts = [`overlap@${k} ${f(summary["overlap"])}`, `RBO ${f(summary["rbo"])}`];
  const ndcg = summary["ndcg"] as number[] | undefined;
  const judged = summary["judged"] as number[] | undefined;
  if (ndcg && judged) {
    const pct = (v: number) => `${Math.round(v * 100)}%`;
    parts.push(`nDCG@${k} ${names[0]} ${f(ndcg[0])} · ${names[1]} ${f(ndcg[1])} (judged ${pct(judged[0])} · ${pct(judged[1])})`);
  } else {
    parts.push("nDCG: no judgements for this query");
  }
  return parts.join(" · ");
}

/** A small badge for a card: "new", "dropped", or the rank movement "▲2 from #3". */
export function badge(id: string, side: "a" | "b", join: Join): HTMLElement | null {
  if (side === "a" && join.dropped.has(id)) return el("span", { class: "vsl-cmp dropped", text: "dropped", attrs: { "data-testid": "dropped" } });
  if (side === "b" && join.added.has(id)) return el("span", { class: "vsl-cmp new", text: "new", attrs: { "data-testid": "new" } });
  if (side !== "b") return null;
  const link = join.links.find((l) => l.id === id);
  if (!link) return null;
  const change = link.from - link.to;
  const text = change === 0 ? "= same rank" : `${change > 0 ? "▲" : "▼"}${Math.abs(change)} from #${link.from}`;
  return el("span", { class: `vsl-cmp ${change > 0 ? "up" : change < 0 ? "down" : "same"}`, text, attrs: { "data-testid": "moved" } });
}

const SVG = "http://www.w3.org/2000/svg";

/** Draw one line per link in ``svg`` (which sits in the gutter between the columns), from
 * the left card's right edge to the right card's left edge, at each card's middle. */
export function drawLinks(svg: SVGSVGElement, join: Join, left: HTMLElement, right: HTMLElement): void {
  const box = svg.getBoundingClientRect();
  const card = (col: HTMLElement, id: string) => col.querySelector<HTMLElement>(`.vsl-hit[data-id="${CSS.escape(id)}"]`);
  const lines: SVGElement[] = [];
  for (const link of join.links) {
    const a = card(left, link.id);
    const b = card(right, link.id);
    if (!a || !b) continue;
    const ra = a.getBoundingClientRect();
    const rb = b.getBoundingClientRect();
    const y1 = ra.top + ra.height / 2 - box.top;
    const y2 = rb.top + rb.height / 2 - box.top;
    const line = document.createElementNS(SVG, "path");
    const w = box.width;
    line.setAttribute("d", `M0 ${y1.toFixed(1)} C${(w / 2).toFixed(1)} ${y1.toFixed(1)} ${(w / 2).toFixed(1)} ${y2.toFixed(1)} ${w.toFixed(1)} ${y2.toFixed(1)}`);
    const move = link.from - link.to;
    line.setAttribute("class", `vsl-link ${move > 0 ? "up" : move < 0 ? "down" : "same"}`);
    line.dataset.id = link.id;
    line.dataset.from = String(link.from);
    line.dataset.to = String(link.to);
    lines.push(line);
  }
  svg.setAttribute("height", String(Math.max(left.scrollHeight, right.scrollHeight)));
  svg.replaceChildren(...lines);
}
