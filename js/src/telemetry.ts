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
import { logTicks } from "./lib/ticks";


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
    // The charts share the widget's width (a sidebar, a wide notebook): two side by side when
    // there is room, stacked when not.
    const width = Math.max(320, Math.floor(root.clientWidth || 980));
    const side = width >= 900;
    const chartWidth = side ? Math.floor((width - 24) / 2) : width;
    const stages = summary.map((r) => String(r["stage"]));
    const ticks = logTicks(spans.map((s) => s["duration_ms"] as number));
    timeline.replaceChildren(
      Plot.plot({
        title: "Latency per stage over time",
        width: chartWidth, height: 260, marginLeft: 56,
        // A 24-hour clock, as the span times are local times.
        x: { type: "time", label: null, tickFormat: timeFormat(spans.map((r) => (r["start"] as Date).getTime())), ticks: Math.max(2, Math.floor(chartWidth / 120)) },
        y: { type: "log", label: "ms", grid: true, ticks, tickFormat: formatMs },
        color: { legend: true, domain: stages },
        marks: [Plot.dot(spans, { x: "start", y: "duration_ms", stroke: "stage", r: 2.5, tip: true })],
      }),
    );
    // p50 and p95 as two dots joined by a bar on a log axis: a 20 s ingest and a 2 ms search
    // both stay readable, and each row carries its numbers.
    const ranked = summary.slice().sort((a, b) => (b["p95_ms"] as number) - (a["p95_ms"] as number));
    const marginLeft = Math.min(160, 12 + 7 * Math.max(...stages.map((st) => st.length)));
    const marginRight = 130;
    const pTicks = logTicks(
      ranked.flatMap((r) => [r["p50_ms"] as number, r["p95_ms"] as number]),
      chartWidth - marginLeft - marginRight,
    );
    bars.replaceChildren(
      Plot.plot({
        title: "p50 (filled) and p95 (ring) per stage",
        width: chartWidth, height: Math.max(120, 28 * ranked.length + 50),
        marginLeft, marginRight,
        x: { type: "log", label: "ms", grid: true, ticks: pTicks, tickFormat: formatMs, domain: [pTicks[0], pTicks[pTicks.length - 1]] },
        y: { label: null, domain: ranked.map((r) => String(r["stage"])) },
        marks: [
          Plot.ruleY(ranked, { y: "stage", x1: "p50_ms", x2: "p95_ms", stroke: "var(--vsl-accent)", strokeOpacity: 0.45, strokeWidth: 6 }),
          Plot.dot(ranked, { y: "stage", x: "p50_ms", r: 5, fill: "var(--vsl-accent)", stroke: "var(--vsl-accent)", className: "vsl-p50" }),
          Plot.dot(ranked, { y: "stage", x: "p95_ms", r: 5, fill: "var(--vsl-bg)", stroke: "var(--vsl-accent)", strokeWidth: 2, className: "vsl-p95" }),
          Plot.text(ranked, {
            y: "stage", x: "p95_ms", dx: 10, textAnchor: "start", fill: "currentColor", className: "vsl-values",
            text: (r: Record<string, unknown>) => `${formatMs(r["p50_ms"] as number)} · ${formatMs(r["p95_ms"] as number)}`,
          }),
        ],
      }),
    );
    root.dataset.updates = String(model.get("updates"));
  };

  const listeners = new Listeners(model);
  listeners.on(["spans", "totals"], draw);
  let drawnWidth = 0;
  const resizeWatch = new ResizeObserver(() => {
    if (Math.abs(root.clientWidth - drawnWidth) > 8) { drawnWidth = root.clientWidth; draw(); }
  });
  resizeWatch.observe(root);
  draw();
  const unwatch = watchLive(root, "Saved view: run the cell to see live numbers again.");
  return () => { listeners.dispose(); unwatch(); resizeWatch.disconnect(); };
}

/** "0.4 ms", "12 ms", "1.5 s": milliseconds as people read them. */
function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return "";
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  if (ms >= 1) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** A 24-hour clock with the precision the time range needs ("23:42:04.250" within a
 * second or two, "23:42:04" within minutes, "23:42" within days). */
function timeFormat(times: number[]): string {
  const span = times.length ? Math.max(...times) - Math.min(...times) : 0;
  if (span < 5_000) return "%H:%M:%S.%L";
  if (span < 2 * 3_600_000) return "%H:%M:%S";
  if (span < 2 * 86_400_000) return "%H:%M";
  return "%b %d %H:%M";
}

export default { render };
