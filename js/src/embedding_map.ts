// EmbeddingMap front end: every row as a point in WebGL (regl-scatterplot, the engine of
// jupyter-scatter). Points arrive as Arrow columns (float32 x/y in [-1, 1], a uint8 colour
// code or a float32 value in [0, 1]); a point's position in them is its row index. Texts and
// metadata come from Python on hover, one point at a time. A 2-D canvas on top draws what
// regl does not: density contours at overview zoom, the query's star and rings on its hits.
import createScatterplot from "regl-scatterplot";
import { scaleLinear } from "d3-scale";
import css from "./lib/style.css";
import type { RenderProps } from "@anywidget/types";
import { Listeners, type EmbeddingMapModel } from "./lib/models";
import { request } from "./lib/rpc";
import { el, injectStyle } from "./lib/dom";
import { isLive, watchLive } from "./lib/live";
import { columns, type Columns } from "./map/columns";
import { PALETTE, VIRIDIS, encode, plainColour, unpackKeep, type Legend } from "./map/colours";
import { bytesOf } from "./lib/arrow";
import { densityRings } from "./map/density";
import { paintOverlay } from "./map/overlay";
import { levelFor, membersOf, placeLabels, type ClusterLabel } from "./map/labels";
import { boxFromScreen, pointSize, pointsInBox, visiblePoints } from "./map/select";

// The map fills its output area's width (within these bounds); its height is the `height`
// trait. A ResizeObserver follows the area (a sidebar, a resized browser).
const MIN_W = 200;
const MAX_W = 1600;
const DEFAULT_W = 720;

interface Card {
  index: number; row_id: string; text: string; metadata: Record<string, string>;
  hit?: { rank: number; score: number; breakdown: Record<string, number> };
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
  const labelsBox = el("div", { class: "vsl-map-labels", attrs: { "data-testid": "map-labels" } });
  const frame = el("div", { class: "vsl-map-frame", attrs: { "data-testid": "map" } }, [canvas, overlay, labelsBox, card]);
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
    // The Lasso and Box modes select areas. A long press did too, but with WebGL in software
    // a frame can outlast its 750 ms, and a click then became a lasso (the map click test
    // failed that way under load).
    lassoOnLongPress: false,
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
    const kept = model.get("active_count") ?? -1;
    if (kept >= 0) parts.push(`${kept.toLocaleString("en-US")} kept by the linked filters`);
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
    const box = boxFromScreen([x0, y0], [x1, y1], (v) => xScale.invert(v), (v) => yScale.invert(v));
    const codes = legend.kind === "category" ? cols.color : null;
    const picked = pointsInBox(cols.x, cols.y, box, codes, hidden);
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
    // A trait the front end sets (not a request): marimo re-runs the cells that read it.
    model.set("picked", points);
    model.save_changes();
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
    density = model.get("density") ? densityRings(cols.x, cols.y) : [];
    densityFresh = true;
  };
  const paint = () => {
    const ctx = overlay.getContext("2d");
    if (!ctx) return;
    const dpr = window.devicePixelRatio || 1;
    if (overlay.width !== W * dpr || overlay.height !== H * dpr) { overlay.width = W * dpr; overlay.height = H * dpr; }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const [d0, d1] = xScale.domain();
    const overview = d1 - d0 > 1.0; // more than half the map in view
    const contoursShown = model.get("density") && overview;
    if (contoursShown && !densityFresh) computeDensity();
    const painted = paintOverlay(ctx, {
      width: W,
      height: H,
      x: xScale,
      y: yScale,
      xs: cols.x,
      ys: cols.y,
      contours: contoursShown ? density : null,
      dark,
      foreground: `rgb(${foreground.slice(0, 3).map((v) => Math.round(v * 255)).join(",")})`,
      highlighted: model.get("highlighted_index") ?? [],
      query: model.get("query_point") ?? null,
      box: boxStart && boxNow ? [boxStart, boxNow] : null,
    });
    root.dataset.contours = String(painted.contours);
    root.dataset.rings = String(painted.rings);
    const [e0, e1] = yScale.domain();
    drawLabels(Math.min(d1 - d0, Math.abs(e1 - e0)));  // a wide map shows more x than y
    if (painted.star) root.dataset.star = painted.star.map(Math.round).join(",");
    else delete root.dataset.star;
  };
  plot.subscribe("view", () => { paint(); card.hidden = true; });

  // -- cluster labels: the coarse ones over the whole map, finer ones zoomed in -------------
  let labelsKey = "";
  const drawLabels = (span: number) => {
    const all = (model.get("labels") ? model.get("cluster_labels") ?? [] : []) as ClusterLabel[];
    const level = Math.min(levelFor(span), Math.max(0, cols.clusters.length - 1));
    root.dataset.viewSpan = span.toFixed(3);
    const placed = all.length && cols.clusters.length ? placeLabels(all, level, xScale, yScale, W, H) : [];
    const key = placed.map((p) => `${p.label.level}/${p.label.cluster}@${Math.round(p.left)},${Math.round(p.top)}`).join(";");
    if (key === labelsKey) return;  // pans redraw only what moved
    labelsKey = key;
    root.dataset.labelLevel = String(level);
    root.dataset.labels = String(placed.length);
    labelsBox.replaceChildren(...placed.map((p) => {
      const button = el("button", {
        class: "vsl-map-label",
        text: p.label.label,
        title: `${p.label.label}: ${p.label.size.toLocaleString("en-US")} points (click to select them)`,
        attrs: { "data-level": String(p.label.level), "data-cluster": String(p.label.cluster), "data-testid": "map-label", "data-local": "" },
      });
      button.style.left = `${p.left}px`;
      button.style.top = `${p.top}px`;
      return button;
    }));
  };
  labelsBox.addEventListener("click", (event) => {
    const button = (event.target as HTMLElement).closest<HTMLElement>(".vsl-map-label");
    if (!button) return;
    const codes = cols.clusters[Number(button.dataset.level)];
    if (codes) plot.select(membersOf(codes, Number(button.dataset.cluster)));
  });

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
    if (!hidden.size || !color || legend.kind !== "category") plot.unfilter();
    else plot.filter(visiblePoints(color, hidden));
  };

  // -- data ----------------------------------------------------------------------------------
  const drawPoints = async () => {
    const t0 = performance.now();
    cols = columns(model.get("points"));
    legend = { kind: "none", ...(model.get("legend") ?? {}) } as Legend;
    hidden = new Set();
    const keep = unpackKeep(bytesOf(model.get("active")), cols.x.length);
    const { points, options, settings } = encode(cols.x, cols.y, cols.color, legend, dark, keep);
    plot.set({ ...settings, pointOrder: null, pointSize: pointSize(cols.x.length) } as never);
    await plot.draw(points as never, options as never);
    if (settings.pointOrder) plot.set({ pointOrder: settings.pointOrder } as never);
    root.dataset.kept = String(model.get("active_count") ?? -1);
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
    if (!cols.color) plot.set({ pointColor: plainColour(dark) });
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
  listeners.on(["points", "legend", "active"], () => { void drawPoints(); });
  listeners.on(["highlighted_index", "query_point"], paint);
  listeners.on(["cluster_labels", "labels"], () => { labelsKey = ""; paint(); });
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

export default { render };
