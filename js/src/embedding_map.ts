// EmbeddingMap front end: every row as a point in WebGL (regl-scatterplot, the engine of
// jupyter-scatter). Points arrive as Arrow columns (float32 x/y in [-1, 1], a uint8 colour
// code or a float32 value in [0, 1]); a point's position in them is its row index. Texts and
// metadata come from Python on hover, one point at a time. A 2-D canvas on top draws what
// regl does not: density contours at overview zoom, the query's star and rings on its hits.
import createScatterplot from "regl-scatterplot";
import { contours } from "d3-contour";
import { scaleLinear } from "d3-scale";
import { tableFromIPC } from "@uwdata/flechette";
import css from "./lib/style.css";
import type { RenderProps } from "@anywidget/types";
import { Listeners, type EmbeddingMapModel } from "./lib/models";
import { request } from "./lib/rpc";
import { bytesOf } from "./lib/arrow";
import { el, injectStyle } from "./lib/dom";
import { isLive, watchLive } from "./lib/live";

// The map fills its output area's width (within these bounds); its height is the `height`
// trait. A ResizeObserver follows the area (a sidebar, a resized browser).
const MIN_W = 200;
const MAX_W = 1600;
const DEFAULT_W = 720;
// Tableau 10 and its light variants: distinct in both themes.
const PALETTE = [
  "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
  "#9c755f", "#bab0ac", "#a0cbe8", "#ffbe7d", "#ff9d9a", "#86bcb6", "#8cd17d", "#f1ce63",
  "#d4a6c8", "#fabfd2", "#d7b5a6", "#79706e",
];
// viridis, 9 stops, for numeric colour.
const VIRIDIS = ["#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725"];
const GRID = 128; // density grid cells per side

interface Legend { kind: "none" | "category" | "value"; labels?: string[]; counts?: number[]; min?: number; max?: number }
interface Card {
  index: number; row_id: string; text: string; metadata: Record<string, string>;
  hit?: { rank: number; score: number; breakdown: Record<string, number> };
}
interface Columns { x: Float32Array; y: Float32Array; color: Uint8Array | Float32Array | null }

/** The point columns as typed arrays (views on the IPC buffer when it is one batch). */
function columns(data: unknown): Columns {
  const bytes = bytesOf(data);
  if (!bytes || bytes.byteLength === 0) return { x: new Float32Array(), y: new Float32Array(), color: null };
  const table = tableFromIPC(bytes);
  const get = (name: string) => table.getChild(name)?.toArray() ?? null;
  return {
    x: get("x") as Float32Array,
    y: get("y") as Float32Array,
    color: get("color") as Uint8Array | Float32Array | null,
  };
}

/** A theme colour as RGBA (0..1), resolved through the page's CSS variables. JupyterLab
 * renders a view before it attaches it to the page, and a detached element has no computed
 * colour: the probe then goes on the body, where the theme's variables are defined. */
function themeColor(root: HTMLElement, css: string): [number, number, number, number] {
  const probe = document.createElement("span");
  probe.style.color = css;
  (root.isConnected ? root : document.body).appendChild(probe);
  const rgb = getComputedStyle(probe).color.match(/[\d.]+/g)?.map(Number) ?? [255, 255, 255];
  probe.remove();
  return [rgb[0] / 255, rgb[1] / 255, rgb[2] / 255, 1];
}

function render({ model, el: root }: RenderProps<EmbeddingMapModel>) {
  root.classList.add("vsl", "vsl-map");
  injectStyle(root, css);
  const info = el("div", { class: "vsl-status", attrs: { "data-testid": "map-info" } });
  const tools = el("div", { class: "vsl-controls vsl-map-tools" });
  const legendBox = el("div", { class: "vsl-legend", attrs: { "data-testid": "map-legend" } });
  const canvas = el("canvas", { attrs: { "data-testid": "map-canvas" } });
  const overlay = el("canvas", { class: "vsl-map-overlay", attrs: { "data-testid": "map-overlay" } });
  const card = el("div", { class: "vsl-map-card", attrs: { "data-testid": "map-card" } });
  const frame = el("div", { class: "vsl-map-frame", attrs: { "data-testid": "map" } }, [canvas, overlay, card]);
  let W = DEFAULT_W;
  let H = model.get("height") || 480;
  frame.style.width = `${W}px`;
  frame.style.height = `${H}px`;
  card.hidden = true;
  root.append(info, tools, frame, legendBox);

  let background = themeColor(root, "var(--jp-layout-color1, #fff)");
  let foreground = themeColor(root, "var(--jp-ui-font-color1, #1f1f1f)");
  let dark = background[0] + background[1] + background[2] < 1.5;
  let xScale = scaleLinear().domain([-1, 1]);
  let yScale = scaleLinear().domain([-1, 1]);
  const plot = createScatterplot({
    canvas,
    width: W,
    height: H,
    xScale,
    yScale,
    backgroundColor: background,
    pointSize: 3,
    pointSizeSelected: 2,
    pointOutlineWidth: 1,
    opacity: 0.8,
    lassoColor: dark ? [0.6, 0.8, 1, 1] : [0.1, 0.45, 0.9, 1],
    lassoOnLongPress: true,
    deselectOnDblClick: true,
  });
  // In WebGL, and what the tests and benchmarks wait for.
  (root as HTMLElement & { __scatter?: unknown }).__scatter = plot;

  let cols: Columns = columns(null);
  let legend: Legend = { kind: "none" };
  let hidden = new Set<number>();
  // Density contours in map coordinates: computed once per data, drawn through the scales.
  let density: Float32Array[] = [];
  let densityFresh = false;
  let selectedCount = 0;
  let drawnAt = 0;

  const status = () => {
    const total = model.get("total");
    const shown = cols.x.length;
    const parts = [`${shown.toLocaleString("en-US")} points`];
    if (total > shown) parts[0] += ` of ${total.toLocaleString("en-US")} (evenly sampled)`;
    parts.push(model.get("method"));
    if (model.get("color_by")) parts.push(`colour: ${model.get("color_by")}`);
    parts.push(`${selectedCount} selected`);
    info.textContent = parts.join(" · ");
  };

  // -- tools: pan/zoom, lasso, box; density on/off -----------------------------------
  let mode: "pan" | "lasso" | "box" = "pan";
  const modeButtons = (["pan", "lasso", "box"] as const).map((m) => {
    const b = el("button", { text: m === "pan" ? "Pan/zoom" : m === "lasso" ? "Lasso" : "Box", attrs: { "data-mode": m, "data-local": "" } });
    b.addEventListener("click", () => setMode(m));
    return b;
  });
  const densityToggle = el("input", { attrs: { type: "checkbox", "data-testid": "map-density", "data-local": "" } });
  densityToggle.checked = model.get("density");
  densityToggle.addEventListener("change", () => {
    model.set("density", densityToggle.checked);
    model.save_changes();
  });
  const densityLabel = el("label", {}, [densityToggle, document.createTextNode(" density")]);
  tools.append(...modeButtons, densityLabel);
  const setMode = (m: typeof mode) => {
    mode = m;
    for (const b of modeButtons) b.classList.toggle("active", b.dataset.mode === m);
    plot.set({ mouseMode: m === "lasso" ? "lasso" : "panZoom", cameraIsFixed: m === "box" });
    overlay.style.pointerEvents = m === "box" ? "auto" : "none";
    overlay.style.cursor = m === "box" ? "crosshair" : "";
  };
  setMode("pan");

  // -- box selection (ours: regl-scatterplot's lasso is free-form) -------------------------
  let boxStart: [number, number] | null = null;
  let boxNow: [number, number] | null = null;
  const local = (e: MouseEvent): [number, number] => {
    const r = overlay.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  overlay.addEventListener("mousedown", (e) => { boxStart = local(e); boxNow = boxStart; });
  overlay.addEventListener("mousemove", (e) => { if (boxStart) { boxNow = local(e); paint(); } });
  overlay.addEventListener("mouseup", (e) => {
    if (!boxStart) return;
    const [x0, y0] = boxStart;
    const [x1, y1] = local(e);
    boxStart = boxNow = null;
    const [ax, bx] = [xScale.invert(Math.min(x0, x1)), xScale.invert(Math.max(x0, x1))];
    const [ay, by] = [yScale.invert(Math.max(y0, y1)), yScale.invert(Math.min(y0, y1))];
    const picked: number[] = [];
    const { x, y, color } = cols;
    for (let i = 0; i < x.length; i++) {
      if (x[i] >= ax && x[i] <= bx && y[i] >= ay && y[i] <= by && !(color && legend.kind === "category" && hidden.has(color[i]))) picked.push(i);
    }
    plot.select(picked);
    paint();
  });

  // -- selection → Python ------------------------------------------------------------------
  let pinned = -1; // a clicked point keeps its card (a hit's card has its score breakdown)
  const sendSelection = (points: number[]) => {
    selectedCount = points.length;
    pinned = points.length === 1 ? points[0] : -1;
    if (pinned >= 0) fetchCard(pinned);
    else if (hovered < 0) card.hidden = true;
    status();
    request(model, "select", { indices: points }).catch(() => {});
  };
  plot.subscribe("select", ({ points }: { points: number[] }) => sendSelection(Array.from(points)));
  plot.subscribe("deselect", () => sendSelection([]));

  // -- hover cards: text and metadata fetched from Python, shown as text -------------------
  let hoverTimer: ReturnType<typeof setTimeout> | undefined;
  let hovered = -1;
  const showCard = (c: Card) => {
    const lines: HTMLElement[] = [
      el("div", { class: "vsl-map-card-id", text: c.hit ? `#${c.hit.rank} ${c.row_id}` : c.row_id }),
      el("div", { class: "vsl-text", text: c.text }),
    ];
    const meta = Object.entries(c.metadata);
    if (meta.length) lines.push(el("div", { class: "vsl-meta" }, meta.map(([k, v]) => el("span", { text: `${k}: ${v}` }))));
    if (c.hit) {
      const rows = [["score", c.hit.score], ...Object.entries(c.hit.breakdown)] as [string, number][];
      lines.push(el("div", { class: "vsl-map-breakdown", attrs: { "data-testid": "map-breakdown" } },
        rows.map(([k, v]) => el("span", { text: `${k}: ${typeof v === "number" && !Number.isInteger(v) ? v.toFixed(3) : v}` }))));
    }
    card.replaceChildren(...lines);
    const pos = screen(cols.x[c.index], cols.y[c.index]);
    card.style.left = `${Math.min(W - 260, pos[0] + 12)}px`;
    card.style.top = `${Math.min(H - 40, pos[1] + 12)}px`;
    card.hidden = false;
  };
  const fetchCard = (index: number) => {
    if (!isLive(root)) return;
    request(model, "point", { index }).then(({ reply }) => {
      if (reply.ok && (hovered === index || pinned === index)) showCard(reply as unknown as Card);
    }).catch(() => {});
  };
  plot.subscribe("pointOver", (index: number) => {
    hovered = index;
    clearTimeout(hoverTimer);
    hoverTimer = setTimeout(() => fetchCard(index), 60);
  });
  plot.subscribe("pointOut", () => {
    hovered = -1;
    clearTimeout(hoverTimer);
    if (pinned >= 0) fetchCard(pinned);
    else card.hidden = true;
  });

  // -- the overlay: density contours, hits, query ---------------------------------------------
  const screen = (x: number, y: number): [number, number] => [xScale(x), yScale(y)];
  const computeDensity = () => {
    density = [];
    densityFresh = true;
    const { x, y } = cols;
    if (!model.get("density") || x.length < 500) return;
    const grid = new Float64Array(GRID * GRID);
    for (let i = 0; i < x.length; i++) {
      const gx = Math.min(GRID - 1, Math.max(0, Math.floor(((x[i] + 1) / 2) * GRID)));
      const gy = Math.min(GRID - 1, Math.max(0, Math.floor(((1 - y[i]) / 2) * GRID)));
      grid[gy * GRID + gx] += 1;
    }
    blur(grid, GRID, 2);
    let max = 0;
    for (const v of grid) max = Math.max(max, v);
    const thresholds = [0.04, 0.1, 0.2, 0.35, 0.55, 0.8].map((f) => f * max);
    for (const c of contours().size([GRID, GRID]).thresholds(thresholds)(Array.from(grid))) {
      for (const polygon of c.coordinates) {
        for (const ring of polygon) {
          const xy = new Float32Array(ring.length * 2);
          ring.forEach(([gx, gy], j) => {
            xy[2 * j] = (gx / GRID) * 2 - 1;
            xy[2 * j + 1] = 1 - (gy / GRID) * 2;
          });
          density.push(xy);
        }
      }
    }
  };
  const paint = () => {
    const ctx = overlay.getContext("2d");
    if (!ctx) return;
    const dpr = window.devicePixelRatio || 1;
    if (overlay.width !== W * dpr || overlay.height !== H * dpr) { overlay.width = W * dpr; overlay.height = H * dpr; }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    const [d0, d1] = xScale.domain();
    const overview = d1 - d0 > 1.0; // more than half the map in view
    if (model.get("density") && overview) {
      if (!densityFresh) computeDensity();
      ctx.strokeStyle = dark ? "rgba(255,255,255,0.45)" : "rgba(0,0,0,0.35)";
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (const ring of density) {
        for (let j = 0; j < ring.length; j += 2) {
          const px = xScale(ring[j]);
          const py = yScale(ring[j + 1]);
          if (j === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
        }
        ctx.closePath();
      }
      ctx.stroke();
    }
    root.dataset.contours = String(model.get("density") && overview ? density.length : 0);
    const fg = `rgb(${foreground.slice(0, 3).map((v) => Math.round(v * 255)).join(",")})`;
    ctx.lineWidth = 2;
    ctx.strokeStyle = fg;
    let rings = 0;
    for (const i of model.get("highlighted_index") ?? []) {
      if (i >= cols.x.length) continue;
      const [px, py] = screen(cols.x[i], cols.y[i]);
      ctx.beginPath();
      ctx.arc(px, py, 8, 0, 2 * Math.PI);
      ctx.stroke();
      rings++;
    }
    root.dataset.rings = String(rings);
    const q = model.get("query_point");
    if (q) {
      const [sx, sy] = screen(q.x, q.y);
      star(ctx, sx, sy, 10, "#d62728", fg);
      root.dataset.star = `${Math.round(sx)},${Math.round(sy)}`;
    } else delete root.dataset.star;
    if (boxStart && boxNow) {
      ctx.fillStyle = "rgba(26,115,232,0.15)";
      ctx.strokeStyle = "#1a73e8";
      const [x0, y0] = boxStart;
      const [x1, y1] = boxNow;
      ctx.fillRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
      ctx.strokeRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
    }
  };
  plot.subscribe("view", () => { paint(); card.hidden = true; });

  // -- legend: click a category to hide or show it; a colour scale for numbers -------------
  const drawLegend = () => {
    legendBox.replaceChildren();
    if (legend.kind === "category") {
      (legend.labels ?? []).forEach((label, code) => {
        const item = el("button", { class: "vsl-legend-item", attrs: { "data-code": String(code), "data-local": "" } }, [
          el("span", { class: "vsl-swatch" }),
          el("span", { text: `${label} (${(legend.counts?.[code] ?? 0).toLocaleString("en-US")})` }),
        ]);
        (item.firstChild as HTMLElement).style.background = PALETTE[code % PALETTE.length];
        item.classList.toggle("off", hidden.has(code));
        item.addEventListener("click", () => {
          if (hidden.has(code)) hidden.delete(code); else hidden.add(code);
          applyFilter();
          drawLegend();
        });
        legendBox.append(item);
      });
    } else if (legend.kind === "value") {
      const bar = el("span", { class: "vsl-scale" });
      bar.style.background = `linear-gradient(to right, ${VIRIDIS.join(",")})`;
      legendBox.append(el("span", { text: String(legend.min) }), bar, el("span", { text: String(legend.max) }));
    }
  };
  const applyFilter = () => {
    const color = cols.color;
    if (!hidden.size || !color || legend.kind !== "category") {
      plot.unfilter();
      return;
    }
    const keep: number[] = [];
    for (let i = 0; i < color.length; i++) if (!hidden.has(color[i])) keep.push(i);
    plot.filter(keep);
  };

  // -- data ----------------------------------------------------------------------------------
  const drawPoints = async () => {
    const t0 = performance.now();
    cols = columns(model.get("points"));
    legend = { kind: "none", ...(model.get("legend") ?? {}) } as Legend;
    hidden = new Set();
    const points: Record<string, ArrayLike<number>> = { x: cols.x, y: cols.y };
    const options: Record<string, unknown> = {};
    if (cols.color && legend.kind === "category") {
      points.z = cols.color;
      options.zDataType = "categorical";
      plot.set({ colorBy: "valueA", pointColor: PALETTE });
    } else if (cols.color && legend.kind === "value") {
      // regl-scatterplot reads w only next to a z column: without one every point took the
      // palette's first colour.
      points.z = new Uint8Array(cols.x.length);
      points.w = cols.color;
      options.zDataType = "categorical";
      options.wDataType = "continuous";
      plot.set({ colorBy: "valueB", pointColor: VIRIDIS });
    } else {
      plot.set({ colorBy: null, pointColor: dark ? "#8ab4f8" : "#4c78a8" });
    }
    // Bigger points when there are few, small ones for a million.
    const n = cols.x.length;
    plot.set({ pointSize: n < 5_000 ? 6 : n < 100_000 ? 4 : n < 500_000 ? 2.5 : 1.5 });
    await plot.draw(points as never, options as never);
    selectedCount = 0;
    densityFresh = false;
    drawnAt = performance.now() - t0;
    root.dataset.drawMs = String(Math.round(drawnAt));
    root.dataset.points = String(cols.x.length);
    status();
    drawLegend();
    paint();
  };

  // The theme can change while the view is open: the canvas follows it. It is read again
  // once the view is on the page (its own variables may differ from the body's).
  const refreshTheme = () => {
    background = themeColor(root, "var(--jp-layout-color1, #fff)");
    foreground = themeColor(root, "var(--jp-ui-font-color1, #1f1f1f)");
    dark = background[0] + background[1] + background[2] < 1.5;
    plot.set({ backgroundColor: background, lassoColor: dark ? [0.6, 0.8, 1, 1] : [0.1, 0.45, 0.9, 1] });
    if (!cols.color) plot.set({ pointColor: dark ? "#8ab4f8" : "#4c78a8" });
    paint();
  };
  const themeWatch = new MutationObserver(refreshTheme);
  themeWatch.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light", "data-jp-theme-name"] });

  // Fit the output area's width; the height is the model's.
  let userMoved = false;
  canvas.addEventListener("wheel", () => { userMoved = true; }, { passive: true });
  canvas.addEventListener("pointerdown", () => { userMoved = true; });
  let attached = root.isConnected;
  const fit = () => {
    if (!attached && root.isConnected) { attached = true; refreshTheme(); }
    const available = Math.floor(root.clientWidth || DEFAULT_W);
    const w = Math.max(MIN_W, Math.min(MAX_W, available - 2)); // the frame's border
    const h = Math.max(160, model.get("height") || 480);
    if (w === W && h === H) return;
    W = w;
    H = h;
    frame.style.width = `${W}px`;
    frame.style.height = `${H}px`;
    // The new aspect ratio applies on the next frame, and regl-scatterplot does not update
    // the scales after it: fresh scales over the data's [-1, 1] domain map the camera again.
    void Promise.resolve(plot.set({ width: W, height: H })).then(async () => {
      xScale = scaleLinear().domain([-1, 1]);
      yScale = scaleLinear().domain([-1, 1]);
      plot.set({ xScale, yScale });
      // Until the user pans or zooms, every point stays in view whatever the aspect ratio
      // (a tall, narrow map would otherwise cut off the sides).
      if (!userMoved) await plot.zoomToArea({ x: -1.02, y: -1.02, width: 2.04, height: 2.04 }, { transition: false });
      // Set once the view fits the new size: what tests (and benchmarks) wait for.
      if (W === w && H === h) root.dataset.size = `${W}x${H}`;
      paint();
    });
  };
  const resizeWatch = new ResizeObserver(() => fit());
  resizeWatch.observe(root);

  const listeners = new Listeners(model);
  listeners.on(["points", "legend"], () => { void drawPoints(); });
  listeners.on(["highlighted_index", "query_point"], paint);
  listeners.on("density", () => { densityToggle.checked = model.get("density"); densityFresh = false; paint(); });
  listeners.on("selected_ids", () => { selectedCount = (model.get("selected_ids") ?? []).length; status(); });
  listeners.on("height", fit);
  fit();
  void drawPoints();
  const unwatch = watchLive(root, "Saved view: run the cell for hover cards and selection.");
  return () => {
    unwatch();
    listeners.dispose();
    themeWatch.disconnect();
    resizeWatch.disconnect();
    clearTimeout(hoverTimer);
    plot.destroy();
  };
}

/** A box blur of radius r, twice (close to a Gaussian), in place. */
function blur(grid: Float64Array, n: number, r: number) {
  const tmp = new Float64Array(grid.length);
  for (let pass = 0; pass < 2; pass++) {
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        let s = 0;
        for (let k = -r; k <= r; k++) s += grid[y * n + Math.min(n - 1, Math.max(0, x + k))];
        tmp[y * n + x] = s / (2 * r + 1);
      }
    }
    for (let x = 0; x < n; x++) {
      for (let y = 0; y < n; y++) {
        let s = 0;
        for (let k = -r; k <= r; k++) s += tmp[Math.min(n - 1, Math.max(0, y + k)) * n + x];
        grid[y * n + x] = s / (2 * r + 1);
      }
    }
  }
}

function star(ctx: CanvasRenderingContext2D, x: number, y: number, r: number, fill: string, stroke: string) {
  ctx.beginPath();
  for (let i = 0; i < 10; i++) {
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    const rr = i % 2 === 0 ? r : r * 0.45;
    const px = x + rr * Math.cos(a);
    const py = y + rr * Math.sin(a);
    if (i === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
  }
  ctx.closePath();
  ctx.fillStyle = fill;
  ctx.fill();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = stroke;
  ctx.stroke();
}

export default { render };
