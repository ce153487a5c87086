// MapComparison front end (EmbeddingMap.compare): the same documents on two aligned maps side by
// side (two regl-scatterplots), each point coloured by how many nearest neighbours the two
// embeddings share. Hover rings the document on both maps; a selection on one is made on the
// other and sent to Python; the "moved most" table selects its row's document on both.
import createScatterplot from "regl-scatterplot";
import { scaleLinear } from "d3-scale";
import { tableFromIPC } from "@uwdata/flechette";
import css from "./lib/style.css";
import type { RenderProps } from "@anywidget/types";
import { Listeners, type MapCompareModel } from "./lib/models";
import { request } from "./lib/rpc";
import { bytesOf, rowsFromIPC } from "./lib/arrow";
import { el, injectStyle } from "./lib/dom";
import { isLive, watchLive } from "./lib/live";
import { AGREEMENT, sharedLabel } from "./map/agreement";
import { pointSize } from "./map/select";

interface Side { plot: ReturnType<typeof createScatterplot>; overlay: HTMLCanvasElement; frame: HTMLElement; x: ReturnType<typeof scaleLinear>; y: ReturnType<typeof scaleLinear> }

function themeIsDark(root: HTMLElement): boolean {
  const probe = document.createElement("span");
  probe.style.color = "var(--jp-layout-color1, #fff)";
  (root.isConnected ? root : document.body).appendChild(probe);
  const rgb = getComputedStyle(probe).color.match(/[\d.]+/g)?.map(Number) ?? [255, 255, 255];
  probe.remove();
  return rgb[0] + rgb[1] + rgb[2] < 1.5 * 255;
}

function render({ model, el: root }: RenderProps<MapCompareModel>) {
  root.classList.add("vsl", "vsl-mapcmp");
  injectStyle(root, css);
  const info = el("div", { class: "vsl-status", attrs: { "data-testid": "cmp-info" } });
  const pair = el("div", { class: "vsl-mapcmp-pair" });
  const legend = el("div", { class: "vsl-legend", attrs: { "data-testid": "cmp-legend" } });
  const card = el("div", { class: "vsl-map-card vsl-mapcmp-card", attrs: { "data-testid": "cmp-card" } });
  card.hidden = true;
  const table = el("table", { class: "vsl-table vsl-mapcmp-moved", attrs: { "data-testid": "moved" } });
  root.append(info, pair, legend, card, el("div", { class: "vsl-mapcmp-title", text: "moved most: the fewest neighbours shared" }),
    el("div", { class: "vsl-scroll" }, [table]));

  let dark = themeIsDark(root);
  let xs: Float32Array[] = [];
  let ys: Float32Array[] = [];
  let shared: Uint8Array<ArrayBufferLike> = new Uint8Array();
  let hovered = -1;
  let picked: number[] = [];
  const names = () => model.get("names") ?? ["a", "b"];

  const makeSide = (which: number): Side => {
    const canvas = el("canvas", { attrs: { "data-testid": `cmp-canvas-${which}` } });
    const overlay = el("canvas", { class: "vsl-map-overlay" });
    const title = el("div", { class: "vsl-mapcmp-name", text: names()[which] ?? "" });
    const frame = el("div", { class: "vsl-map-frame", attrs: { "data-testid": `cmp-map-${which}` } }, [canvas, overlay]);
    pair.append(el("div", { class: "vsl-mapcmp-side" }, [title, frame]));
    const x = scaleLinear().domain([-1, 1]);
    const y = scaleLinear().domain([-1, 1]);
    const plot = createScatterplot({
      canvas, width: 300, height: 300, xScale: x, yScale: y, pointSize: 4, opacity: 0.85,
      backgroundColor: dark ? [0.07, 0.07, 0.07, 1] : [1, 1, 1, 1], lassoOnLongPress: false, deselectOnDblClick: true,
    });
    return { plot, overlay, frame, x, y };
  };
  const sides = [makeSide(0), makeSide(1)];
  (root as HTMLElement & { __plots?: unknown }).__plots = sides.map((s) => s.plot);

  // Rings on both maps: the hovered document and the picked ones.
  const paint = () => {
    sides.forEach((side, which) => {
      const ctx = side.overlay.getContext("2d");
      if (!ctx || !xs[which]) return;
      const w = side.frame.clientWidth;
      const h = side.frame.clientHeight;
      const dpr = window.devicePixelRatio || 1;
      if (side.overlay.width !== w * dpr) { side.overlay.width = w * dpr; side.overlay.height = h * dpr; }
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, w, h);
      const ring = (i: number, r: number, width: number) => {
        const px = side.x(xs[which][i]) as number;
        const py = side.y(ys[which][i]) as number;
        ctx.beginPath();
        ctx.arc(px, py, r, 0, 2 * Math.PI);
        ctx.lineWidth = width + 2;
        ctx.strokeStyle = dark ? "#000" : "#fff";
        ctx.stroke();
        ctx.lineWidth = width;
        ctx.strokeStyle = dark ? "#fff" : "#111";
        ctx.stroke();
      };
      for (const i of picked.slice(0, 200)) ring(i, 6, 1.5);
      if (hovered >= 0) ring(hovered, 9, 2);
    });
    root.dataset.hovered = String(hovered);
    root.dataset.picked = String(picked.length);
  };

  const showCard = (c: { row_id: string; text: string; shared: number; a: string[]; b: string[] }) => {
    const [na, nb] = names();
    card.replaceChildren(
      el("div", { class: "vsl-map-card-id", text: `${c.row_id} · ${sharedLabel(c.shared, model.get("k"))}` }),
      el("div", { class: "vsl-text", text: c.text }),
      el("div", { class: "vsl-meta", text: `nearest in ${na}: ${c.a.join(", ")}` }),
      el("div", { class: "vsl-meta", text: `nearest in ${nb}: ${c.b.join(", ")}` }),
    );
    card.hidden = false;
  };
  let hoverTimer: ReturnType<typeof setTimeout> | undefined;
  const hover = (i: number) => {
    hovered = i;
    paint();
    clearTimeout(hoverTimer);
    if (i < 0) { card.hidden = true; return; }
    hoverTimer = setTimeout(() => {
      if (!isLive(root)) return;
      request(model, "point", { index: i }).then(({ reply }) => {
        if (reply.ok && hovered === i) showCard(reply as never);
      }).catch(() => {});
    }, 60);
  };

  let syncing = false;
  const choose = (points: number[], from: number) => {
    picked = points;
    if (!syncing) {
      syncing = true;
      const other = sides[1 - from].plot;
      if (points.length) other.select(points, { preventEvent: true }); else other.deselect({ preventEvent: true });
      syncing = false;
      // A trait the front end sets (not a request): marimo re-runs the cells that read it.
      model.set("picked", points);
      model.save_changes();
    }
    paint();
  };
  sides.forEach((side, which) => {
    side.plot.subscribe("pointOver", (i: number) => hover(i));
    side.plot.subscribe("pointOut", () => hover(-1));
    side.plot.subscribe("select", ({ points }: { points: number[] }) => choose(Array.from(points), which));
    side.plot.subscribe("deselect", () => choose([], which));
    side.plot.subscribe("view", paint);
  });

  const draw = async () => {
    const bytes = bytesOf(model.get("points"));
    if (!bytes || !bytes.byteLength) return;
    const t = tableFromIPC(bytes);
    const get = (n: string) => t.getChild(n)!.toArray();
    xs = [get("xa") as Float32Array, get("xb") as Float32Array];
    ys = [get("ya") as Float32Array, get("yb") as Float32Array];
    shared = get("shared") as Uint8Array;
    const k = Math.max(1, model.get("k"));
    const value = Float32Array.from(shared, (s) => s / k);
    for (const [which, side] of sides.entries()) {
      side.plot.set({ colorBy: "valueB", pointColor: AGREEMENT, pointSize: pointSize(xs[which].length) + 1 } as never);
      await side.plot.draw({ x: xs[which], y: ys[which], z: new Uint8Array(xs[which].length), w: value } as never, { zDataType: "categorical", wDataType: "continuous" } as never);
    }
    const mean = shared.reduce((s, v) => s + v, 0) / Math.max(1, shared.length);
    const [na, nb] = names();
    info.textContent = `${na} vs ${nb} · ${model.get("total").toLocaleString("en-US")} documents · ${k} nearest neighbours · ${mean.toFixed(1)} shared on average`;
    root.dataset.points = String(shared.length);
    paint();
  };

  const drawLegend = () => {
    const k = model.get("k");
    const bar = el("span", { class: "vsl-scale" });
    bar.style.background = `linear-gradient(to right, ${AGREEMENT.join(",")})`;
    legend.replaceChildren(el("span", { text: `0 of ${k} shared (the spaces disagree)` }), bar, el("span", { text: `${k} of ${k}` }));
  };

  const drawMoved = () => {
    const rows = rowsFromIPC(model.get("moved_rows"));
    const k = model.get("k");
    table.replaceChildren(
      el("thead", {}, [el("tr", {}, ["id", "shared", "text"].map((h) => el("th", { text: h })))]),
      el("tbody", {}, rows.map((r) => {
        const tr = el("tr", { attrs: { "data-index": String(r["index"]), "data-id": String(r["id"]) } }, [
          el("td", { text: String(r["id"]) }),
          el("td", { text: sharedLabel(Number(r["shared"]), k) }),
          el("td", { text: String(r["text"]) }),
        ]);
        tr.addEventListener("click", () => {
          const i = Number(r["index"]);
          sides[0].plot.select([i]);  // and, through its event, the other map and Python
        });
        return tr;
      })),
    );
  };

  const fit = () => {
    const width = Math.max(200, Math.floor(root.clientWidth || 720));
    const stacked = width < 600;
    pair.classList.toggle("stacked", stacked);
    const w = stacked ? width - 2 : Math.floor((width - 14) / 2);
    const h = model.get("height") || 420;
    for (const side of sides) {
      side.frame.style.width = `${w}px`;
      side.frame.style.height = `${h}px`;
      void Promise.resolve(side.plot.set({ width: w, height: h })).then(async () => {
        side.x = scaleLinear().domain([-1, 1]);
        side.y = scaleLinear().domain([-1, 1]);
        side.plot.set({ xScale: side.x, yScale: side.y } as never);
        await side.plot.zoomToArea({ x: -1.02, y: -1.02, width: 2.04, height: 2.04 }, { transition: false });
        root.dataset.size = `${w}x${h}`;
        paint();
      });
    }
  };
  const refreshTheme = () => {
    dark = themeIsDark(root);
    for (const side of sides) side.plot.set({ backgroundColor: dark ? [0.07, 0.07, 0.07, 1] : [1, 1, 1, 1] });
    paint();
  };
  const themeWatch = new MutationObserver(refreshTheme);
  themeWatch.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light", "data-jp-theme-name"] });
  const resizeWatch = new ResizeObserver(() => fit());
  resizeWatch.observe(root);

  const listeners = new Listeners(model);
  listeners.on(["points", "k"], () => { void draw(); drawLegend(); });
  listeners.on("moved_rows", drawMoved);
  listeners.on("height", fit);
  fit();
  drawLegend();
  drawMoved();
  void draw();
  const unwatch = watchLive(root, "Saved view: run the cell for hover cards and selection.");
  return () => {
    unwatch(); listeners.dispose(); themeWatch.disconnect(); resizeWatch.disconnect(); clearTimeout(hoverTimer);
    for (const side of sides) side.plot.destroy();
  };
}

export default { render };
