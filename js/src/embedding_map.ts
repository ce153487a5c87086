// EmbeddingMap front end: an Observable Plot scatter of the 2-D projection, coloured by a
// metadata field; the query and its hits are marked; click (shift-click adds) or drag a box
// to select points, which sets `selected_ids` in Python.
import * as Plot from "@observablehq/plot";
import css from "./lib/style.css";
import type { RenderProps } from "@anywidget/types";
import { Listeners, type EmbeddingMapModel } from "./lib/models";
import { rowsFromIPC, type Row } from "./lib/arrow";
import { el, injectStyle } from "./lib/dom";


const W = 640;
const H = 440;

function render({ model, el: root }: RenderProps<EmbeddingMapModel>) {
  root.classList.add("vsl", "vsl-map");
  injectStyle(root, css);
  const info = el("div", { class: "vsl-status", attrs: { "data-testid": "map-info" } });
  const chart = el("div", { attrs: { "data-testid": "map" } });
  root.append(info, chart);

  let points: Row[] = [];
  let svg: (SVGSVGElement & { scale: (name: string) => { apply: (v: number) => number } }) | null = null;

  const setSelection = (ids: string[]) => {
    model.set("selected_ids", ids);
    model.save_changes();
  };

  const pixel = (p: Row): [number, number] => {
    const sx = svg!.scale("x");
    const sy = svg!.scale("y");
    return [sx.apply(p["x"] as number), sy.apply(p["y"] as number)];
  };

  const draw = () => {
    points = rowsFromIPC(model.get("points"));
    const selected = new Set((model.get("selected_ids") ?? []) as string[]);
    const highlighted = new Set((model.get("highlighted") ?? []) as string[]);
    const q = model.get("query_point") as { x: number; y: number; text: string } | null;
    const colored = Boolean(model.get("color_by"));
    info.textContent = `${points.length} points · ${model.get("method")}${colored ? ` · colour: ${model.get("color_by")}` : ""} · ${selected.size} selected`;
    const marks: Plot.Markish[] = [
      Plot.dot(points, { x: "x", y: "y", fill: colored ? "color" : "#4c78a8", r: 3.5, fillOpacity: 0.75, title: "label" }),
      Plot.dot(points.filter((p) => highlighted.has(String(p["id"]))), { x: "x", y: "y", r: 7, stroke: "currentColor", strokeWidth: 1.5 }),
      Plot.dot(points.filter((p) => selected.has(String(p["id"]))), { x: "x", y: "y", r: 5, stroke: "#d62728", strokeWidth: 2.5 }),
    ];
    if (q) marks.push(Plot.dot([q], { x: "x", y: "y", symbol: "star", r: 9, fill: "#d62728", stroke: "currentColor" }));
    svg = Plot.plot({
      width: W, height: H, inset: 12,
      x: { label: null, ticks: 0 }, y: { label: null, ticks: 0 },
      color: colored ? { legend: true, type: "categorical" } : undefined,
      marks,
    }) as unknown as typeof svg;
    chart.replaceChildren(svg as unknown as Node);
    // With a legend Plot returns a <figure>; the chart is its own <svg> child (legend
    // swatches are small svgs of their own, nested deeper).
    const node = svg as unknown as Element;
    const plotSvg = (node instanceof SVGSVGElement ? node : node.querySelector(":scope > svg")) as SVGSVGElement;
    plotSvg.setAttribute("data-testid", "map-svg");
    attachSelection(plotSvg);
  };

  const attachSelection = (target: SVGSVGElement) => {
    let start: [number, number] | null = null;
    const box = document.createElementNS("http://www.w3.org/2000/svg", "rect");
    box.setAttribute("fill", "rgba(26,115,232,0.15)");
    box.setAttribute("stroke", "#1a73e8");
    box.style.display = "none";
    target.appendChild(box);
    const local = (e: MouseEvent): [number, number] => {
      const r = target.getBoundingClientRect();
      return [e.clientX - r.left, e.clientY - r.top];
    };
    target.addEventListener("mousedown", (e) => { start = local(e); });
    target.addEventListener("mousemove", (e) => {
      if (!start) return;
      const [x, y] = local(e);
      box.style.display = "";
      box.setAttribute("x", String(Math.min(x, start[0])));
      box.setAttribute("y", String(Math.min(y, start[1])));
      box.setAttribute("width", String(Math.abs(x - start[0])));
      box.setAttribute("height", String(Math.abs(y - start[1])));
    });
    target.addEventListener("mouseup", (e) => {
      if (!start || !svg) return;
      const [x, y] = local(e);
      const [x0, y0] = start;
      start = null;
      box.style.display = "none";
      if (Math.abs(x - x0) < 4 && Math.abs(y - y0) < 4) {
        // a click: the nearest point within 12 px
        let best: Row | null = null;
        let bestD = 144;
        for (const p of points) {
          const [px, py] = pixel(p);
          const d = (px - x) ** 2 + (py - y) ** 2;
          if (d < bestD) { bestD = d; best = p; }
        }
        const current = (model.get("selected_ids") ?? []) as string[];
        if (!best) { if (!e.shiftKey) setSelection([]); return; }
        const id = String(best["id"]);
        setSelection(e.shiftKey ? Array.from(new Set([...current, id])) : [id]);
        return;
      }
      const [lx, hx] = [Math.min(x, x0), Math.max(x, x0)];
      const [ly, hy] = [Math.min(y, y0), Math.max(y, y0)];
      setSelection(points.filter((p) => {
        const [px, py] = pixel(p);
        return px >= lx && px <= hx && py >= ly && py <= hy;
      }).map((p) => String(p["id"])));
    });
  };

  const listeners = new Listeners(model);
  listeners.on(["points", "selected_ids", "highlighted", "query_point", "color_by"], draw);
  draw();
  return listeners.dispose;
}

export default { render };
