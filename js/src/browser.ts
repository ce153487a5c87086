// CollectionBrowser front end: a page of rows (Arrow IPC from Python), sortable headers,
// paging, and schema / stats / versions panels. Paging and sorting run in Python.
import css from "./lib/style.css";
import type { RenderProps } from "@anywidget/types";
import { Listeners, type BrowserModel } from "./lib/models";
import { columnsFromIPC, rowsFromIPC } from "./lib/arrow";
import { el, formatValue, injectStyle } from "./lib/dom";
import { request } from "./lib/rpc";
import { isLive, watchLive } from "./lib/live";

function render({ model, el: root }: RenderProps<BrowserModel>) {
  root.classList.add("vsl", "vsl-browser");
  injectStyle(root, css);
  const prev = el("button", { text: "◀ prev", attrs: { "data-testid": "prev" } });
  const next = el("button", { text: "next ▶", attrs: { "data-testid": "next" } });
  const pageInfo = el("span", { attrs: { "data-testid": "page-info" } });
  const scopeInfo = el("span", { class: "vsl-scope", attrs: { "data-testid": "scope" } });
  const filter = el("input", { class: "vsl-filter", attrs: { "data-testid": "filter", "aria-label": "filter rows" } });
  filter.value = model.get("where") ?? "";
  filter.placeholder = model.get("filter_hint") || "filter";
  const error = el("div", { class: "vsl-error", attrs: { "data-testid": "error" } });
  error.style.display = "none";
  const table = el("table", { class: "vsl-table", attrs: { "data-testid": "rows" } });
  // The rows scroll sideways inside their own box when they are wider than the output area;
  // a click on a row opens it whole below (long text wraps there).
  const scroller = el("div", { class: "vsl-scroll", attrs: { "data-testid": "rows-box" } }, [table]);
  const detail = el("div", { class: "vsl-detail", attrs: { "data-testid": "row-detail" } });
  detail.hidden = true;
  const side = el("div", { class: "vsl-panels" });
  root.append(el("div", { class: "vsl-controls" }, [filter, prev, pageInfo, next, scopeInfo]), error, scroller, detail, side);

  const go = async (page: number, sortBy?: string, descending?: boolean) => {
    if (!isLive(root)) return;
    try {
      const { reply } = await request(model, "page", {
        page, sort_by: sortBy ?? model.get("sort_by"), descending: descending ?? model.get("descending"),
        where: filter.value,
      });
      error.style.display = reply.ok ? "none" : "";
      error.textContent = reply.ok ? "" : String(reply.error);
    } catch (e) {
      error.style.display = "";
      error.textContent = String(e);
    }
  };

  const renderRows = () => {
    const rows = rowsFromIPC(model.get("rows"));
    const cols = columnsFromIPC(model.get("rows"));
    const sortBy = model.get("sort_by") as string;
    const desc = model.get("descending") as boolean;
    const head = el("tr", {}, cols.map((c) => {
      const arrow = c === sortBy ? (desc ? " ▼" : " ▲") : "";
      const th = el("th", { text: c + arrow, attrs: { "data-col": c } });
      th.addEventListener("click", () => void go(0, c, c === sortBy ? !desc : false));
      return th;
    }));
    const marked = new Set(model.get("marked") ?? []);
    const body = rows.map((r) => {
      const hit = marked.has(String(r["id"]));
      const tr = el("tr", { class: hit ? "vsl-marked" : "", attrs: { "data-id": String(r["id"]), title: hit ? "a hit of the linked search" : "" } },
        cols.map((c) => el("td", { text: formatValue(r[c]), title: formatValue(r[c]) })));
      tr.addEventListener("click", () => showRow(tr, r, cols));
      return tr;
    });
    table.replaceChildren(el("thead", {}, [head]), el("tbody", {}, body));
    detail.hidden = true;
    const total = model.get("total") as number;
    const size = model.get("page_size") as number;
    const page = model.get("page") as number;
    const pages = Math.max(1, Math.ceil(total / size));
    pageInfo.textContent = `page ${page + 1} of ${pages} · ${total} rows`;
    scopeInfo.textContent = model.get("scope_note") ? `within ${model.get("scope_note")}` : "";
    scopeInfo.hidden = !model.get("scope_note");
    prev.disabled = page <= 0;
    next.disabled = page >= pages - 1;
  };

  const showRow = (tr: HTMLElement, row: Record<string, unknown>, cols: string[]) => {
    const open = tr.classList.contains("open");
    table.querySelectorAll("tr.open").forEach((n) => n.classList.remove("open"));
    if (open) { detail.hidden = true; return; }
    tr.classList.add("open");
    detail.replaceChildren(
      el("div", { class: "vsl-detail-head", text: `row ${String(row["id"])}` }),
      el("dl", {}, cols.flatMap((c) => [el("dt", { text: c }), el("dd", { text: formatValue(row[c]) })])),
    );
    detail.hidden = false;
  };

  const renderSide = () => {
    const schema = (model.get("schema_info") ?? []) as { name: string; type: string; label?: string }[];
    const stats = (model.get("stats") ?? {}) as Record<string, unknown>;
    const versions = (model.get("versions") ?? []) as Record<string, unknown>[];
    side.replaceChildren(
      el("div", { class: "vsl-panel", attrs: { "data-testid": "stats" } }, [el("h4", { text: "Stats" }), ...Object.entries(stats).map(([k, v]) => el("div", { text: `${k}: ${formatValue(v)}` }))]),
      el("div", { class: "vsl-panel", attrs: { "data-testid": "schema" } }, [el("h4", { text: "Schema" }), ...schema.map((f) => el("div", { text: `${f.name}: ${f.label ?? f.type}`, title: f.type }))]),
      el("div", { class: "vsl-panel", attrs: { "data-testid": "versions" } }, [el("h4", { text: "Versions" }), ...versions.slice().reverse().map((v) => el("div", { text: `v${v["version"]} · ${v["rows"] ?? "?"} rows · ${String(v["timestamp"]).replace("T", " ")}` }))]),
    );
  };

  filter.addEventListener("keydown", (e) => { if (e.key === "Enter") void go(0); });
  prev.addEventListener("click", () => void go(model.get("page") - 1));
  next.addEventListener("click", () => void go(model.get("page") + 1));
  const listeners = new Listeners(model);
  listeners.on(["rows", "marked", "scope_note"], renderRows);
  listeners.on(["schema_info", "stats", "versions"], renderSide);
  renderRows();
  renderSide();
  const unwatch = watchLive(root, "Saved view: run the cell to page, sort and filter again.");
  return () => { listeners.dispose(); unwatch(); };
}

export default { render };
