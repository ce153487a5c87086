// FacetWidget front end: a bar chart (categories) or histogram (numbers) per column, drawn with
// Observable Plot from the counts Python sends: a faint bar of all rows behind a bar of the
// rows the linked views keep. A brush picks bars: a click picks one (again drops it), shift
// adds to the pick, a drag over a histogram picks a range. The pick goes to Python as the
// `selection` trait, where it filters the linked views.
import * as Plot from "@observablehq/plot";
import css from "./lib/style.css";
import type { RenderProps } from "@anywidget/types";
import { Listeners, type Facet, type FacetModel } from "./lib/models";
import { el, injectStyle } from "./lib/dom";
import { watchLive } from "./lib/live";
import { pickAfter, ticksOf } from "./lib/facets";

const BAR = 22; // a category bar's height, px

function render({ model, el: root }: RenderProps<FacetModel>) {
  root.classList.add("vsl", "vsl-facets");
  injectStyle(root, css);
  const status = el("div", { class: "vsl-status", attrs: { "data-testid": "facet-status" } });
  const grid = el("div", { class: "vsl-facet-grid" });
  root.append(status, grid);

  const pickOf = (column: string): number[] => (model.get("selection") ?? {})[column] ?? [];
  const setPick = (column: string, picked: number[]) => {
    const next = { ...(model.get("selection") ?? {}) };
    if (picked.length) next[column] = picked; else delete next[column];
    model.set("selection", next);
    model.save_changes();
  };

  const chart = (f: Facet, width: number): HTMLElement => {
    const picked = new Set(pickOf(f.column));
    const rows = f.labels.map((label, i) => ({ i, label, total: f.total[i], kept: f.kept[i], picked: picked.has(i) }));
    const fill = (d: { picked: boolean }) => (picked.size && !d.picked ? "var(--vsl-bar-fill)" : "var(--vsl-accent)");
    const category = f.kind === "category";
    const labelWidth = Math.min(150, 14 + 7 * Math.max(4, ...f.labels.map((l) => l.length)));
    const plot = category
      ? Plot.plot({
        width, height: BAR * rows.length + 36, marginLeft: labelWidth, marginRight: 56,
        x: { label: "rows", grid: true, nice: true },
        y: { label: null, domain: f.labels, tickFormat: (l: string) => (l.length > 20 ? l.slice(0, 19) + "…" : l) },
        marks: [
          Plot.barX(rows, { y: "label", x: "total", fill: "var(--vsl-facet-all)", className: "vsl-facet-all" }),
          Plot.barX(rows, { y: "label", x: "kept", fill, className: "vsl-facet-kept" }),
          Plot.text(rows, { y: "label", x: "total", dx: 4, textAnchor: "start", fill: "currentColor", text: (d: { kept: number }) => d.kept.toLocaleString("en-US") }),
          Plot.ruleX([0]),
        ],
      })
      : Plot.plot({
        width, height: 170, marginLeft: 48, marginBottom: 36,
        x: { label: f.column, domain: f.labels, ticks: ticksOf(f.labels, width), tickFormat: (l: string) => l.split("..")[0] },
        y: { label: "rows", grid: true, nice: true },
        marks: [
          Plot.barY(rows, { x: "label", y: "total", fill: "var(--vsl-facet-all)", className: "vsl-facet-all", inset: 0.5 }),
          Plot.barY(rows, { x: "label", y: "kept", fill, className: "vsl-facet-kept", inset: 0.5 }),
          Plot.ruleY([0]),
        ],
      });
    // Which bar the pointer is on: the band scale's nearest band centre.
    const scale = plot.scale(category ? "y" : "x") as { domain: string[]; apply: (v: string) => number; bandwidth: number };
    const barAt = (event: PointerEvent): number => {
      const r = (plot as Element).getBoundingClientRect();
      const at = category ? event.clientY - r.top : event.clientX - r.left;
      let best = -1;
      let distance = Infinity;
      scale.domain.forEach((label, i) => {
        const d = Math.abs(scale.apply(label) + scale.bandwidth / 2 - at);
        if (d < distance) { distance = d; best = i; }
      });
      return distance <= scale.bandwidth ? best : -1;
    };
    let from = -1;
    plot.addEventListener("pointerdown", (event) => { from = barAt(event as PointerEvent); });
    plot.addEventListener("pointerup", (event) => {
      const e = event as PointerEvent;
      const to = barAt(e);
      if (from < 0 || to < 0) { from = -1; return; }
      setPick(f.column, pickAfter(Array.from(picked), from, to, { range: !category, extend: e.shiftKey }));
      from = -1;
    });
    const clear = el("button", { class: "vsl-facet-clear", text: "clear", attrs: { "data-testid": "facet-clear", "data-local": "" } });
    clear.hidden = !picked.size;
    clear.addEventListener("click", () => setPick(f.column, []));
    const head = el("div", { class: "vsl-facet-head" }, [
      el("span", { class: "vsl-facet-name", text: f.column }),
      el("span", { class: "vsl-status", text: picked.size ? `${picked.size} picked` : "" }),
      clear,
    ]);
    (plot as HTMLElement).classList.add("vsl-facet-plot");
    return el("div", { class: "vsl-facet", attrs: { "data-testid": "facet", "data-column": f.column } }, [head, plot as HTMLElement]);
  };

  let drawnWidth = 0;
  const draw = () => {
    const facets = model.get("facets") ?? [];
    const available = Math.max(240, Math.floor(root.clientWidth || 720));
    // Charts side by side when there is room (at most two per row), stacked when not.
    const perRow = available >= 760 && facets.length > 1 ? 2 : 1;
    const width = Math.min(560, Math.floor((available - 16 * (perRow - 1)) / perRow));
    drawnWidth = root.clientWidth;
    grid.replaceChildren(...facets.map((f) => chart(f, width)));
    const total = model.get("total") ?? 0;
    const kept = model.get("kept_rows") ?? total;
    const picks = Object.keys(model.get("selection") ?? {});
    status.textContent = [
      kept < total ? `${kept.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} rows kept by linked views` : `${total.toLocaleString("en-US")} rows`,
      picks.length ? `picked in ${picks.join(", ")}` : "click or drag over bars to pick rows",
    ].join(" · ");
    root.dataset.kept = String(kept);
  };

  const listeners = new Listeners(model);
  listeners.on(["facets", "selection", "kept_rows"], draw);
  const resizeWatch = new ResizeObserver(() => {
    if (Math.abs(root.clientWidth - drawnWidth) > 8) draw();
  });
  resizeWatch.observe(root);
  draw();
  const unwatch = watchLive(root, "Saved view: run the cell to pick rows again.");
  return () => { listeners.dispose(); unwatch(); resizeWatch.disconnect(); };
}

export default { render };
