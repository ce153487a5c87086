// SearchWidget front end: query box, k, mode, filter, reranker picker; hits with highlighted
// text, metadata and per-stage score bars. The search itself runs in Python (Collection.query);
// results arrive as Arrow IPC in the `results` trait.
import css from "./lib/style.css";
import type { RenderProps } from "@anywidget/types";
import { Listeners, type SearchModel } from "./lib/models";
import { rowsFromIPC, type Row } from "./lib/arrow";
import { el, injectStyle, wordPattern } from "./lib/dom";
import { cardContext, hitCard } from "./lib/hits";
import { request } from "./lib/rpc";
import { watchLive } from "./lib/live";
import { gradeKey, gradeStrip, moveKey, type GradeState } from "./lib/grading";
import { badge, drawLinks, joinRanks, summaryText } from "./lib/compare";
import { weighMarks, whyPanel, type WhyReply } from "./lib/why";

const FIRST_SCREEN = 40;
const CHUNK = 160;

function render({ model, el: root }: RenderProps<SearchModel>) {
  root.classList.add("vsl", "vsl-search");
  injectStyle(root, css);

  const query = el("input", { class: "vsl-query", attrs: { type: "search", placeholder: "Search…", "data-testid": "query" } });
  const k = el("input", { attrs: { type: "number", min: "1", max: "10000", title: "k", "data-testid": "k" } });
  // The modes come from Python (vecstore_lab.spec.MODES), not a list of our own.
  const mode = el("select", { attrs: { "data-testid": "mode" } }, (model.get("modes") ?? []).map((m) => el("option", { text: m, attrs: { value: m } })));
  const filter = el("input", { class: "vsl-filter", attrs: { type: "text", placeholder: model.get("filter_hint") || "filter", "data-testid": "filter" } });
  const rerank = el("select", { attrs: { "data-testid": "rerank" } });
  const button = el("button", { text: "Search", attrs: { "data-testid": "search" } });
  const live = el("input", { attrs: { type: "checkbox", "data-testid": "live" } });
  const liveLabel = el("label", { title: "search as you type" }, [live, document.createTextNode(" live")]);
  const error = el("div", { class: "vsl-error", attrs: { "data-testid": "error" } });
  const status = el("div", { class: "vsl-status", attrs: { "data-testid": "status" } });
  // Hits take the keyboard when grading: j/k or arrows move, 0-3 grade the focused hit.
  const hits = el("div", { class: "vsl-hits", attrs: { "data-testid": "hits", tabindex: "0" } });
  root.append(el("div", { class: "vsl-controls" }, [query, k, mode, filter, rerank, button, liveLabel]), error, status, hits);

  const syncInputs = () => {
    query.value = model.get("query") ?? "";
    k.value = String(model.get("k") ?? 10);
    mode.value = model.get("mode") ?? "vector";
    filter.value = model.get("where") ?? "";
    rerank.replaceChildren(
      el("option", { text: "no reranker", attrs: { value: "" } }),
      ...(model.get("rerankers") ?? []).map((r) => el("option", { text: r, attrs: { value: r } })),
    );
    rerank.value = model.get("rerank") ?? "";
  };

  const renderError = () => {
    const message = model.get("error");
    error.textContent = message ?? "";
    error.style.display = message ? "" : "none";
    // Hits under an error are from the last search that worked: dimmed, and marked stale.
    hits.classList.toggle("stale", Boolean(message));
    root.dataset.stale = message ? "true" : "false";
  };

  // One listener for all hits (event delegation) instead of one per card.
  let shown: Row[] = [];
  let renderToken = 0;
  hits.addEventListener("click", (event) => {
    const target = event.target as HTMLElement;
    const card = target.closest<HTMLElement>(".vsl-hit");
    if (!card) return;
    side = card.closest<HTMLElement>(".vsl-col")?.dataset.side === "b" ? "b" : "a";
    if (target.closest("[data-why]")) {  // "why?": the reasons of this hit, not a selection
      void explain(card, side);
      return;
    }
    if (target.closest(".vsl-why")) return;  // reading the reasons is not selecting either
    if (target.closest(".vsl-grade")) {  // a chip or a copy button: grading, not selecting
      const chip = target.closest<HTMLElement>("[data-grade]");
      const copy = target.closest<HTMLElement>("[data-copy]");
      focusOn(cards().indexOf(card));
      if (chip) void grade(card.dataset.id ?? "", Number(chip.dataset.grade));
      else if (copy) void copyGrade(copy.dataset.copy ?? "", card.dataset.id ?? "");
      return;
    }
    focusOn(cards().indexOf(card));
    const row = shown.find((r) => String(r["id"]) === card.dataset.id);
    if (!row) return;
    hits.querySelectorAll(".vsl-hit.selected").forEach((n) => n.classList.remove("selected"));
    card.classList.add("selected");
    const picked: Row = {};
    for (const [key, value] of Object.entries(row)) {
      if (key === "vector") continue;
      picked[key] = value instanceof Date ? value.toISOString()
        : ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<number>)
        : value;
    }
    model.set("selected", picked);
    model.save_changes();
  });

  const comparing = () => (model.get("compared") ?? []).length === 2;
  let side: "a" | "b" = "a"; // compare mode: the column the keys move in
  let relink: (() => void) | null = null;
  const resizes = new ResizeObserver(() => relink?.());
  resizes.observe(hits);

  const renderCompare = () => {
    const names = model.get("compared") ?? [];
    const left: Row[] = rowsFromIPC(model.get("results"));
    const right: Row[] = rowsFromIPC(model.get("results_b"));
    const pattern = wordPattern(model.get("marks") ?? []);
    const join = joinRanks(left.map((r) => String(r["id"])), right.map((r) => String(r["id"])));
    const column = (rows: Row[], which: "a" | "b", name: string, status: string) => {
      const ctx = cardContext(rows, pattern, (model.get("selected") as Row | null)?.id);
      const head = el("div", { class: "vsl-col-head" }, [
        el("span", { class: "vsl-col-name", text: name, attrs: { "data-testid": "side-name" } }),
        el("span", { class: "vsl-status", text: status, attrs: { "data-testid": "side-status" } }),
      ]);
      const cards = rows.map((row) => {
        const card = decorate(hitCard(row, ctx));
        const mark = badge(String(row["id"]), which, join);
        if (mark) card.querySelector(".vsl-hit-head")?.appendChild(mark);
        return card;
      });
      return el("div", { class: "vsl-col", attrs: { "data-side": which, "data-testid": `side-${which}` } }, [head, ...cards]);
    };
    const a = column(left, "a", names[0] ?? "A", model.get("status") ?? "");
    const b = column(right, "b", names[1] ?? "B", model.get("status_b") ?? "");
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("class", "vsl-links");
    svg.dataset.testid = "links";
    const gutter = el("div", { class: "vsl-gutter" });
    gutter.appendChild(svg);
    shown = [...left, ...right];
    root.dataset.hits = String(left.length);
    hits.replaceChildren(el("div", { class: "vsl-compare" }, [a, gutter, b]));
    relink = () => drawLinks(svg, join, a, b);
    requestAnimationFrame(() => relink?.());
    focused = -1;
  };

  const renderHits = () => {
    if (comparing()) { renderCompare(); return; }
    relink = null;
    const t0 = performance.now();
    const rows: Row[] = rowsFromIPC(model.get("results"));
    root.dataset.decodeMs = (performance.now() - t0).toFixed(1);
    const pattern = wordPattern(model.get("marks") ?? []);
    const ctx = cardContext(rows, pattern, (model.get("selected") as Row | null)?.id);
    const makeCard = (row: Row): HTMLElement => decorate(hitCard(row, ctx));
    focused = -1;
    // The first screenful is built and painted at once; the rest follows in chunks between
    // frames, so a thousand hits never freeze the page. A newer result cancels older chunks.
    const token = ++renderToken;
    shown = rows;
    delete root.dataset.renderMs;
    delete root.dataset.paintMs;
    root.dataset.hits = String(rows.length);
    const first = document.createDocumentFragment();
    for (const row of rows.slice(0, FIRST_SCREEN)) first.appendChild(makeCard(row));
    hits.replaceChildren(first);
    requestAnimationFrame(() => requestAnimationFrame(() => {
      if (token === renderToken) root.dataset.paintMs = (performance.now() - t0).toFixed(1);
    }));
    let next = FIRST_SCREEN;
    const more = () => {
      if (token !== renderToken) return;
      if (next >= rows.length) {
        root.dataset.renderMs = (performance.now() - t0).toFixed(1);
        return;
      }
      const chunk = document.createDocumentFragment();
      for (const row of rows.slice(next, next + CHUNK)) chunk.appendChild(makeCard(row));
      hits.appendChild(chunk);
      next += CHUNK;
      setTimeout(more, 0);
    };
    setTimeout(more, 0);
  };

  const renderStatus = () => {
    const summary = summaryText(model.get("compare_summary") ?? {}, model.get("compared") ?? []);
    const scope = model.get("scope_note") ? ` · within ${model.get("scope_note")}` : "";
    status.textContent = (model.get("busy") ? "searching…" : comparing() ? summary : (model.get("status") ?? "")) + scope;
  };

  const submit = async () => {
    // Read every control before setting any trait: each set() fires change events that
    // re-sync the controls from the model.
    const settings = {
      query: query.value,
      k: Math.max(1, parseInt(k.value || "10", 10)),
      mode: mode.value,
      where: filter.value,
      rerank: rerank.value,
    };
    model.set("query", settings.query);
    model.set("k", settings.k);
    model.set("mode", settings.mode);
    model.set("where", settings.where);
    model.set("rerank", settings.rerank);
    model.save_changes();
    try {
      // The settings travel with the request too: not every host delivers the trait updates
      // above before it (marimo may not).
      const { reply } = await request(model, "search", settings);
      if (!reply.ok) {
        model.set("error", String(reply.error ?? "search failed"));
        renderError();
      }
    } catch (e) {
      error.textContent = String(e);
      error.style.display = "";
    }
  };

  // Live mode: a pause in typing sends the query; one search at a time, and when it is done
  // only the latest text is sent (what was typed in between is never searched).
  let typing: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let sent = "";
  const liveSearch = async () => {
    if (running || query.value === sent) return;
    running = true;
    sent = query.value;
    try {
      const { reply } = await request(model, "search", { query: sent });
      if (!reply.ok) { model.set("error", String(reply.error ?? "search failed")); renderError(); }
    } catch (e) {
      error.textContent = String(e);
      error.style.display = "";
    } finally {
      running = false;
    }
    if (query.value !== sent && model.get("live")) void liveSearch();
  };
  query.addEventListener("input", () => {
    if (!model.get("live") || !query.value.trim()) return;
    clearTimeout(typing);
    typing = setTimeout(() => void liveSearch(), model.get("debounce_ms") ?? 60);
  });
  live.checked = Boolean(model.get("live"));
  live.addEventListener("change", () => { model.set("live", live.checked); model.save_changes(); });

  button.addEventListener("click", submit);
  query.addEventListener("keydown", (e) => { if (e.key === "Enter") void submit(); });
  filter.addEventListener("keydown", (e) => { if (e.key === "Enter") void submit(); });

  // -- grading --------------------------------------------------------------------------
  let focused = -1;
  const grading = () => Boolean(model.get("judge"));
  const state = (): GradeState => ({ grades: model.get("grades") ?? {}, twins: model.get("twins") ?? {} });
  const cards = () => Array.from(hits.querySelectorAll<HTMLElement>(
    comparing() ? `.vsl-col[data-side="${side}"] .vsl-hit` : ".vsl-hit"));
  const decorate = (card: HTMLElement): HTMLElement => {
    const head = card.querySelector(".vsl-hit-head");
    if (head && !head.querySelector("[data-why]") && (model.get("query") ?? "").trim()) {
      head.appendChild(el("button", { class: "vsl-why-btn", text: "why?", title: "which words and sentences carried this hit", attrs: { "data-why": "", "data-testid": "why" } }));
    }
    card.querySelector(".vsl-grade")?.remove();
    if (grading()) card.appendChild(gradeStrip(card.dataset.id ?? "", state()));
    return card;
  };
  const redecorate = () => { for (const card of cards()) decorate(card); };
  const focusOn = (index: number) => {
    const all = cards();
    hits.querySelectorAll(".vsl-hit.focused").forEach((c) => c.classList.remove("focused"));
    all.forEach((c, i) => c.classList.toggle("focused", i === index));
    focused = index;
    if (index >= 0 && all[index]) {
      all[index].scrollIntoView({ block: "nearest" });
      root.dataset.focused = all[index].dataset.id ?? "";
    }
  };
  const explain = async (card: HTMLElement, which: "a" | "b") => {
    const open = card.querySelector(".vsl-why");
    if (open) { open.remove(); return; }  // a second click closes it
    const id = card.dataset.id ?? "";
    const { reply } = await request(model, "why", { id, side: which });
    if (!reply.ok) { model.set("error", String(reply.error ?? "why failed")); renderError(); return; }
    const rows = which === "b" ? rowsFromIPC(model.get("results_b")) : rowsFromIPC(model.get("results"));
    const text = String(rows.find((r) => String(r["id"]) === id)?.["text"] ?? "");
    const why = reply as unknown as WhyReply;
    weighMarks(card, why.terms);
    card.querySelector(".vsl-grade")?.before(whyPanel(why, text));
    if (!card.querySelector(".vsl-why")) card.appendChild(whyPanel(why, text));
    relink?.();
  };
  const report = (reply: { ok: boolean; error?: unknown }) => {
    if (!reply.ok) { model.set("error", String(reply.error ?? "grading failed")); renderError(); }
  };
  const grade = async (id: string, g: number) => {
    if (!grading() || !id) return;
    report((await request(model, "grade", { id, grade: g })).reply);
  };
  const copyGrade = async (source: string, to: string) => {
    if (!grading() || !source || !to) return;
    report((await request(model, "copy_grade", { source, to: [to] })).reply);
  };
  hits.addEventListener("keydown", (event) => {
    if (!grading()) return;
    if (comparing() && ["h", "l", "ArrowLeft", "ArrowRight"].includes(event.key)) {
      event.preventDefault();  // the other column, at the same row
      const at = focused;
      side = event.key === "h" || event.key === "ArrowLeft" ? "a" : "b";
      hits.querySelectorAll(".vsl-hit.focused").forEach((c) => c.classList.remove("focused"));
      focusOn(Math.min(Math.max(at, 0), cards().length - 1));
      return;
    }
    const all = cards();
    const move = moveKey(event.key, focused, all.length);
    if (move !== null) {
      event.preventDefault();
      focusOn(move);
      return;
    }
    const g = gradeKey(event.key);
    if (g !== null && focused >= 0 && all[focused]) {
      event.preventDefault();
      void grade(all[focused].dataset.id ?? "", g);
    }
  });

  const listeners = new Listeners(model);
  listeners.on(["grades", "twins", "judge"], redecorate);
  listeners.on(["results", "results_b", "compared"], renderHits);
  listeners.on(["compare_summary", "compared"], renderStatus);
  listeners.on("status_b", () => {
    const node = hits.querySelector('.vsl-col[data-side="b"] [data-testid=side-status]');
    if (node) node.textContent = model.get("status_b") ?? "";
  });
  listeners.on("error", renderError);
  listeners.on(["status", "busy", "scope_note"], renderStatus);
  listeners.on("rerankers", syncInputs);
  // Settings changed from Python (widget.search(..., mode=...)) show in the controls.
  const syncSettings = () => {
    if (document.activeElement !== query) query.value = model.get("query") ?? "";
    k.value = String(model.get("k") ?? 10);
    mode.value = model.get("mode") ?? "vector";
    if (document.activeElement !== filter) filter.value = model.get("where") ?? "";
    rerank.value = model.get("rerank") ?? "";
  };
  listeners.on(["query", "k", "mode", "where", "rerank"], syncSettings);
  listeners.on("live", () => { live.checked = Boolean(model.get("live")); });
  syncInputs();
  renderError();
  renderStatus();
  renderHits();
  const unwatch = watchLive(root, "Saved view: run the cell to search again.");
  // Compare mode: the side's own settings decide mode and reranker, not these controls.
  const showControls = () => { mode.hidden = rerank.hidden = comparing(); };
  listeners.on("compared", showControls);
  showControls();
  return () => { listeners.dispose(); unwatch(); resizes.disconnect(); };
}

export default { render };
