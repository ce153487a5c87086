// TelemetryWidget front end: latency over time per stage, p50/p95 bars, counters.
// Observable Plot draws the charts: it is declarative, handles log scales, colour legends
// and bar/dot marks in a few lines, and bundles with esbuild without a CDN.
import * as Plot from "@observablehq/plot";
import css from "./lib/style.css";
import type { RenderProps } from "@anywidget/types";
import { Listeners, type TelemetryModel } from "./lib/models";
import { rowsFromIPC } from "./lib/arrow";
import { el, injectStyle } from "./lib/dom";
import { watchLive } from "./lib/live";


const COUNTERS: [string, string][] = [
  ["queries", "queries"], ["rows_written", "rows written"], ["texts_embedded", "texts embedded"],
  ["cache_hits", "cache hits"], ["tokens", "API tokens"], ["retries", "retries"], ["errors", "errors"],
];

function render({ model, el: root }: RenderProps<TelemetryModel>) {
  root.classList.add("vsl", "vsl-telemetry");
  injectStyle(root, css);
  const counters = el("div", { class: "vsl-counters", attrs: { "data-testid": "counters" } });
  const timeline = el("div", { attrs: { "data-testid": "timeline" } });
  const bars = el("div", { attrs: { "data-testid": "percentiles" } });
  const empty = el("div", { class: "vsl-status", text: "No spans recorded yet: run a query.", attrs: { "data-testid": "empty" } });
  root.append(counters, empty, el("div", { class: "vsl-panels" }, [timeline, bars]));

  const draw = () => {
    const spans = rowsFromIPC(model.get("spans"));
    const summary = rowsFromIPC(model.get("summary"));
    const totals = (model.get("totals") ?? {}) as Record<string, number>;
    const now = Date.now();
    const recentQueries = spans.filter((s) => s["stage"] === "query" && now - (s["start"] as Date).getTime() < 60_000).length;
    counters.replaceChildren(
      el("div", { class: "vsl-counter" }, [el("b", { text: `${recentQueries}` }), el("span", { text: "queries / last min" })]),
      ...COUNTERS.map(([key, label]) =>
        el("div", { class: "vsl-counter", attrs: { "data-counter": key } }, [el("b", { text: `${Math.round(totals[key] ?? 0)}` }), el("span", { text: label })]),
      ),
    );
    empty.style.display = spans.length ? "none" : "";
    if (!spans.length) {
      timeline.replaceChildren();
      bars.replaceChildren();
      return;
    }
    timeline.replaceChildren(
      Plot.plot({
        title: "Latency per stage over time",
        width: 560, height: 260, marginLeft: 50,
        x: { type: "time", label: null },
        y: { type: "log", label: "ms", grid: true },
        color: { legend: true },
        marks: [Plot.dot(spans, { x: "start", y: "duration_ms", stroke: "stage", r: 2.5, tip: true })],
      }),
    );
    bars.replaceChildren(
      Plot.plot({
        title: "p50 (dark) and p95 per stage",
        width: 420, height: Math.max(120, 26 * summary.length + 40), marginLeft: 90,
        x: { label: "ms", grid: true },
        y: { label: null },
        marks: [
          Plot.barX(summary, { y: "stage", x: "p95_ms", fill: "#9ecae1", sort: { y: "-x" } }),
          Plot.barX(summary, { y: "stage", x: "p50_ms", fill: "#2171b5" }),
          Plot.ruleX([0]),
        ],
      }),
    );
    root.dataset.updates = String(model.get("updates"));
  };

  const listeners = new Listeners(model);
  listeners.on(["spans", "totals"], draw);
  draw();
  const unwatch = watchLive(root, "Saved view: run the cell to see live numbers again.");
  return () => { listeners.dispose(); unwatch(); };
}

export default { render };
