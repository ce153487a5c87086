// EvalWidget front end: one bar per configuration for each metric (Observable Plot), a
// per-query grid of the chosen metric coloured against the baseline, and a drill-down that
// shows one query's results under one configuration as SearchWidget cards, relevant ones marked.
import * as Plot from "@observablehq/plot";
import css from "./lib/style.css";
import type { RenderProps } from "@anywidget/types";
import { Listeners, type EvalModel } from "./lib/models";
import { rowsFromIPC, type Row } from "./lib/arrow";
import { el, injectStyle, wordPattern } from "./lib/dom";
import { cardContext, hitCard } from "./lib/hits";
import { request } from "./lib/rpc";
import { isLive, watchLive } from "./lib/live";
import { historyChart } from "./lib/history";

const EPS = 1e-12;

function pLabel(p: unknown): string {
  if (typeof p !== "number") return "";  // the baseline's own rows
  return p < 0.001 ? "  p<0.001" : `  p=${p.toFixed(3)}`;
}

function render({ model, el: root }: RenderProps<EvalModel>) {
  root.classList.add("vsl", "vsl-eval");
  injectStyle(root, css);
  const status = el("div", { class: "vsl-status", attrs: { "data-testid": "status" } });
  const chart = el("div", { attrs: { "data-testid": "chart" } });
  const history = el("div", { attrs: { "data-testid": "history-box" } });
  const metricPick = el("select", { attrs: { "data-testid": "metric", "data-local": "" } });
  const baselinePick = el("select", { attrs: { "data-testid": "baseline" } });
  const grid = el("div", { class: "vsl-eval-grid vsl-scroll", attrs: { "data-testid": "grid" } });
  const error = el("div", { class: "vsl-error", attrs: { "data-testid": "error" } });
  const drillHead = el("div", { class: "vsl-status", attrs: { "data-testid": "drill-head" } });
  const missed = el("div", { class: "vsl-missed", attrs: { "data-testid": "missed" } });
  const hits = el("div", { class: "vsl-hits", attrs: { "data-testid": "hits" } });
  root.append(
    status, chart, history,
    el("div", { class: "vsl-controls" }, [
      el("span", { text: "per-query metric:" }), metricPick,
      el("span", { text: "baseline:" }), baselinePick,
    ]),
    error, el("div", { class: "vsl-panels" }, [grid, el("div", { class: "vsl-panel", attrs: { style: "flex: 1 1 420px" } }, [drillHead, missed, hits])]),
  );
  error.style.display = "none";

  const k = () => model.get("k") as number;
  const metricCol = () => `${model.get("metric")}@${k()}`;

  // One small chart per metric, side by side (they wrap on a narrow page): a metric's name is
  // its chart's title, so it never sits on the numbers at the bars' ends.
  const drawChart = () => {
    const summary = rowsFromIPC(model.get("summary"));
    const configs = (model.get("configs") as string[]) ?? [];
    chart.replaceChildren();
    if (!summary.length) return;
    const metrics = Array.from(new Set(summary.map((r) => String(r["metric"]))));
    const longest = Math.max(...configs.map((c) => c.length));
    const available = Math.max(240, root.clientWidth || 900);
    const marginLeft = Math.min(200, 16 + 7 * longest, Math.floor(available * 0.35));
    const fits = Math.floor((marginLeft - 14) / 6.5); // characters of a config name that fit
    // At least 200 px of bars per chart; charts that do not fit side by side wrap; on a narrow
    // page each takes the whole width (never wider: a scaled-down chart has tiny text).
    const width = Math.min(available, Math.max(marginLeft + 96 + 200, Math.floor(available / metrics.length) - 16));
    chart.append(
      el("div", { class: "vsl-status", text: `Mean over judged queries; p = paired randomization test against ${model.get("baseline")}` }),
      el("div", { class: "vsl-panels" }, metrics.map((metric) => {
        const rows = summary.filter((r) => r["metric"] === metric);
        return Plot.plot({
          title: metric,
          width, height: 40 + 24 * configs.length,
          marginLeft, marginRight: 96,
          x: { domain: [0, 1], label: null, grid: true, ticks: [0, 0.5, 1] },
          // A name longer than the margin ends in "…" rather than running off the left edge.
          y: { domain: configs, label: null, tickFormat: (c: string) => (c.length > fits ? c.slice(0, Math.max(1, fits - 1)) + "…" : c) },
          color: { domain: configs, legend: false },
          marks: [
            Plot.barX(rows, { y: "config", x: "mean", fill: "config" }),
            // The mean, and for non-baseline rows the paired test's p-value against the baseline.
            Plot.text(rows, {
              y: "config", x: "mean", dx: 4, textAnchor: "start", fill: "currentColor", className: "vsl-values",
              text: (d: Row) => (d["mean"] as number).toFixed(3) + pLabel(d["p_value"]),
            }),
            Plot.ruleX([0]),
          ],
        }) as HTMLElement;
      })),
    );
  };

  const drawHistory = () => {
    const rows = rowsFromIPC(model.get("history"));
    const width = Math.max(320, Math.min(900, (root.clientWidth || 900) - 8));
    const drawn = rows.length ? historyChart(rows, metricCol(), width, (model.get("configs") as string[]) ?? []) : null;
    history.replaceChildren(...(drawn ? [drawn] : []));
  };

  let active: { query: string; config: string } | null = null;
  let sort: { config: string; descending: boolean } = { config: "", descending: false };
  const drawGrid = () => {
    const rows = rowsFromIPC(model.get("per_query"));
    const configs = (model.get("configs") as string[]) ?? [];
    const baseline = model.get("baseline") as string;
    const col = metricCol();
    const byQuery = new Map<string, { text: string; values: Record<string, number> }>();
    for (const r of rows) {
      const q = String(r["query_id"]);
      if (!byQuery.has(q)) byQuery.set(q, { text: String(r["query"] ?? ""), values: {} });
      byQuery.get(q)!.values[String(r["config"])] = r[col] as number;
    }
    // A click on a configuration's header sorts the queries by it (worst first, then best
    // first); the footer holds each configuration's mean over the queries shown.
    const head = el("tr", {}, [el("th", { text: "query" }), el("th", { text: "text" }), ...configs.map((c) => {
      const th = el("th", { text: c + (sort.config === c ? (sort.descending ? " ▼" : " ▲") : ""), title: `sort by ${c}`, attrs: { "data-sort": c } });
      th.addEventListener("click", () => {
        sort = { config: c, descending: sort.config === c ? !sort.descending : false };
        drawGrid();
      });
      return th;
    })]);
    const entries = Array.from(byQuery.entries());
    if (sort.config) {
      const c = sort.config;
      const sign = sort.descending ? -1 : 1;
      entries.sort((a, b) => sign * ((a[1].values[c] ?? -Infinity) - (b[1].values[c] ?? -Infinity)));
    }
    const mean = (c: string) => {
      const vs = entries.map(([, e]) => e.values[c]).filter((v) => v !== undefined);
      return vs.length ? vs.reduce((x, y) => x + y, 0) / vs.length : NaN;
    };
    const foot = el("tr", { class: "vsl-mean", attrs: { "data-testid": "mean-row" } }, [
      el("th", { text: "mean" }), el("th", { text: `${entries.length} queries` }),
      ...configs.map((c) => el("th", { class: "cell", text: Number.isNaN(mean(c)) ? "" : mean(c).toFixed(3), attrs: { "data-config": c } })),
    ]);
    const body = entries.map(([q, { text, values }]) =>
      el("tr", { attrs: { "data-query": q } }, [
        el("td", { text: q }),
        el("td", { class: "qtext", text, title: text }),
        ...configs.map((c) => {
          const v = values[c];
          const base = values[baseline];
          const cls = c === baseline || v === undefined ? "" : v > base + EPS ? "win" : v < base - EPS ? "loss" : "";
          const td = el("td", { class: `cell ${cls}`, text: v === undefined ? "" : v.toFixed(3), attrs: { "data-config": c, "data-testid": "cell" } });
          if (active && active.query === q && active.config === c) td.classList.add("active");
          return td;
        }),
      ]),
    );
    grid.replaceChildren(el("table", { class: "vsl-table" }, [el("thead", {}, [head]), el("tbody", {}, body), el("tfoot", {}, [foot])]));
  };

  grid.addEventListener("click", async (event) => {
    const cell = (event.target as HTMLElement).closest<HTMLElement>("td.cell");
    const row = cell?.closest<HTMLElement>("tr");
    if (!cell || !row || !isLive(root)) return;
    active = { query: row.dataset.query!, config: cell.dataset.config! };
    grid.querySelectorAll("td.active").forEach((n) => n.classList.remove("active"));
    cell.classList.add("active");
    drillHead.textContent = "searching…";
    try {
      const { reply } = await request(model, "drill", { query_id: active.query, config: active.config });
      error.style.display = reply.ok ? "none" : "";
      error.textContent = reply.ok ? "" : reply.error ?? "drill-down failed";
      // The same drill twice changes no trait, so no change event would redraw the header.
      drawDrill();
    } catch (e) {
      error.style.display = "";
      error.textContent = String(e);
    }
  });

  const drawDrill = () => {
    const rows = rowsFromIPC(model.get("drill_results"));
    const q = model.get("drill_query") as string;
    if (!q) {
      drillHead.textContent = "Click a cell to see that query's results under that configuration.";
      hits.replaceChildren();
      missed.textContent = "";
      return;
    }
    const found = rows.filter((r) => (r["_relevance"] as number) > 0).length;
    drillHead.textContent = `${q} · ${model.get("drill_config")} · “${model.get("drill_text")}” — ${found} relevant in the top ${rows.length}`;
    const lost = (model.get("drill_missed") as { id: string; grade: number }[]) ?? [];
    missed.textContent = lost.length ? `Relevant but not retrieved: ${lost.map((m) => `${m.id} (${m.grade})`).join(", ")}` : "";
    const ctx = cardContext(rows, wordPattern(model.get("drill_marks") ?? []));
    hits.replaceChildren(...rows.map((r) => hitCard(r, ctx)));
    // A hit with the same text as a judged-relevant one but no judgement of its own is a gap
    // in the judgements (a duplicate chunk), not a miss of the search: say so on its card.
    const judgedText = new Map<string, { id: string; grade: number }>();
    for (const r of rows) {
      const g = r["_relevance"] as number | null;
      if (g !== null && g > 0) judgedText.set(String(r["text"] ?? ""), { id: String(r["id"]), grade: g });
    }
    for (const r of rows) {
      const g = r["_relevance"] as number | null;
      const twin = judgedText.get(String(r["text"] ?? ""));
      if ((g === null || g <= 0) && twin) {
        const card = hits.querySelector<HTMLElement>(`.vsl-hit[data-id="${CSS.escape(String(r["id"]))}"]`);
        card?.querySelector(".vsl-hit-head")?.after(el("div", {
          class: "vsl-gap", attrs: { "data-testid": "judgement-gap" },
          text: `Same text as ${twin.id}, judged relevant (${twin.grade}): a gap in the judgements, not a miss.`,
        }));
      }
    }
    root.dataset.drill = `${q}/${model.get("drill_config")}`;
  };

  const syncMetrics = () => {
    const metrics = (model.get("metrics") as string[]) ?? [];
    metricPick.replaceChildren(...metrics.map((m) => el("option", { text: `${m}@${k()}`, attrs: { value: m } })));
    metricPick.value = model.get("metric");
  };
  const syncBaseline = () => {
    const configs = (model.get("configs") as string[]) ?? [];
    baselinePick.replaceChildren(...configs.map((c) => el("option", { text: c, attrs: { value: c } })));
    baselinePick.value = model.get("baseline");
  };
  baselinePick.addEventListener("change", () => {
    model.set("baseline", baselinePick.value);
    model.save_changes();
  });
  metricPick.addEventListener("change", () => {
    model.set("metric", metricPick.value);
    model.save_changes();
  });
  const drawStatus = () => { status.textContent = model.get("status") ?? ""; };
  const drawAll = () => { syncMetrics(); syncBaseline(); drawChart(); drawGrid(); };
  const onBaseline = () => { baselinePick.value = model.get("baseline"); drawGrid(); };

  const onMetric = () => { metricPick.value = model.get("metric"); drawGrid(); drawHistory(); };
  const listeners = new Listeners(model);
  listeners.on("summary", drawChart);
  listeners.on("per_query", drawGrid);
  listeners.on("metric", onMetric);
  listeners.on("baseline", onBaseline);
  listeners.on("configs", syncBaseline);
  listeners.on("metrics", syncMetrics);
  listeners.on(["drill_results", "drill_missed"], drawDrill);
  listeners.on("status", drawStatus);
  listeners.on("history", drawHistory);
  drawAll();
  drawHistory();
  drawStatus();
  drawDrill();
  const unwatch = watchLive(root, "Saved view: run the cell to drill into queries again.");
  // The charts take the output area's width: drawn again when it changes (and once the view is
  // on the page: JupyterLab renders it detached, with no width yet).
  let drawnWidth = root.clientWidth;
  const resizeWatch = new ResizeObserver(() => {
    if (Math.abs(root.clientWidth - drawnWidth) > 8) { drawnWidth = root.clientWidth; drawChart(); drawHistory(); }
  });
  resizeWatch.observe(root);
  return () => { listeners.dispose(); unwatch(); resizeWatch.disconnect(); };
}

export default { render };
