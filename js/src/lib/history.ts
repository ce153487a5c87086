// The EvalWidget's history: one metric's mean over every recorded evaluation run, a line per
// configuration (Observable Plot), the value at each run written next to its dot.
import * as Plot from "@observablehq/plot";
import { el } from "./dom";
import type { Row } from "./arrow";

export interface HistoryPoint {
  run: string; // label, or run id
  order: number; // 1-based position of the run in time
  config: string;
  value: number;
}

/** The points to draw: runs in time order (one x position each), the metric's mean per config. */
export function historyPoints(rows: Row[], column: string): HistoryPoint[] {
  const order = new Map<string, number>();
  const sorted = [...rows].sort((a, b) => Number(a["at"] ?? 0) - Number(b["at"] ?? 0));
  for (const r of sorted) {
    const id = String(r["run_id"]);
    if (!order.has(id)) order.set(id, order.size + 1);
  }
  return sorted
    .filter((r) => typeof r[column] === "number")
    .map((r) => ({ run: String(r["run"]), order: order.get(String(r["run_id"]))!, config: String(r["config"]), value: r[column] as number }));
}

/** The chart, or null when there is no point. */
export function historyChart(rows: Row[], column: string, width: number, first: string[] = []): HTMLElement | null {
  const points = historyPoints(rows, column);
  if (!points.length) return null;
  const runs = new Map(points.map((p) => [p.order, p.run]));
  // The widget's own configurations first: each keeps the colour it has in the bar charts.
  const configs = Array.from(new Set([...first, ...points.map((p) => p.config)]));
  const chart = Plot.plot({
    title: `${column} over ${runs.size} recorded run${runs.size === 1 ? "" : "s"}`,
    width, height: 220, marginBottom: 40, marginRight: 120,
    x: { label: null, ticks: Array.from(runs.keys()), tickFormat: (o: number) => runs.get(o) ?? "", domain: [0.6, runs.size + 0.4] },
    y: { domain: [0, 1], label: null, grid: true, ticks: [0, 0.25, 0.5, 0.75, 1], tickFormat: ".2f" },
    color: { domain: configs, legend: true },
    marks: [
      Plot.line(points, { x: "order", y: "value", stroke: "config", z: "config" }),
      Plot.dot(points, { x: "order", y: "value", fill: "config", r: 4 }),
      Plot.text(points, { x: "order", y: "value", text: (p: HistoryPoint) => p.value.toFixed(3), dx: 6, textAnchor: "start", fill: "currentColor", className: "vsl-values" }),
    ],
  }) as HTMLElement;
  return el("div", { class: "vsl-history", attrs: { "data-testid": "history" } }, [chart]);
}
