// The "VecStore" side panel: every collection under the server's roots, one collection's
// schema, stats, indexes and versions, and a quick query whose hits are the SearchWidget's
// cards (lib/hits.ts). All user data goes in as text (lib/dom.ts).
import type { Message } from "@lumino/messaging";
import { Widget } from "@lumino/widgets";
import css from "../lib/style.css";
import panelCss from "./panel.css";
import { el, formatValue, injectStyle } from "../lib/dom";
import { hitList } from "../lib/hits";
import { api, type CollectionInfo, type Database, type Listing, type Target } from "./api";

export type OpenInNotebook = (db: Database, info: CollectionInfo, query: string, mode: string, k: number) => Promise<void>;

interface Selected {
  db: Database;
  info: CollectionInfo;
}

const targetOf = (s: Selected): Target => ({ root: s.db.root, path: s.db.path, name: s.info.name });

function table(head: string[], rows: string[][], testid: string): HTMLElement {
  return el("table", { class: "vsl-table", attrs: { "data-testid": testid } }, [
    el("thead", {}, [el("tr", {}, head.map((h) => el("th", { text: h })))]),
    el("tbody", {}, rows.map((r) => el("tr", {}, r.map((c) => el("td", { text: c, title: c }))))),
  ]);
}

export class VecStorePanel extends Widget {
  private listing: Listing | null = null;
  private loaded = false;
  private selected: Selected | null = null;
  private readonly list = el("div", { class: "vsl-lab-list", attrs: { "data-testid": "collections" } });
  private readonly status = el("div", { class: "vsl-status", attrs: { "data-testid": "panel-status" } });
  private readonly hint = el("div", { class: "vsl-lab-hint", attrs: { "data-testid": "panel-hint" } });
  private readonly error = el("div", { class: "vsl-error", attrs: { "data-testid": "panel-error" } });
  private readonly details = el("div", { class: "vsl-lab-details", attrs: { "data-testid": "details" } });
  private readonly queryBox = el("div", { class: "vsl-lab-query" });
  private readonly query = el("input", { class: "vsl-query", attrs: { type: "search", placeholder: "Quick query…", "data-testid": "panel-query" } });
  private readonly mode = el("select", { attrs: { "data-testid": "panel-mode", title: "mode" } });
  private readonly k = el("input", { attrs: { type: "number", min: "1", max: "100", value: "10", title: "k", "data-testid": "panel-k" } });
  private readonly results = el("div", { class: "vsl-lab-results", attrs: { "data-testid": "panel-results" } });

  constructor(private readonly openInNotebook: OpenInNotebook) {
    super();
    this.id = "vecstore-lab-panel";
    this.addClass("vsl");
    this.addClass("vsl-lab-panel");
    this.title.caption = "VecStore: collections under the server's roots";
    injectStyle(this.node, css);
    injectStyle(this.node, panelCss);
    const refresh = el("button", { class: "vsl-lab-button", text: "Refresh", attrs: { "data-testid": "refresh" } });
    refresh.addEventListener("click", () => void this.refresh());
    const search = el("button", { class: "vsl-lab-button", text: "Search", attrs: { "data-testid": "panel-search" } });
    search.addEventListener("click", () => void this.runQuery());
    this.query.addEventListener("keydown", (e) => { if (e.key === "Enter") void this.runQuery(); });
    const open = el("button", { class: "vsl-lab-button", text: "Open in notebook", attrs: { "data-testid": "open-in-notebook" } });
    open.addEventListener("click", () => void this.open());
    this.queryBox.append(el("div", { class: "vsl-controls" }, [this.query, this.mode, this.k, search, open]), this.results);
    this.node.append(
      el("div", { class: "vsl-lab-header" }, [el("h2", { text: "VecStore" }), refresh]),
      this.error, this.status, this.hint, this.list, this.details, this.queryBox,
    );
    this.showError(null);
    this.details.style.display = "none";
    this.queryBox.style.display = "none";
  }

  /** The first time the panel shows, it lists the collections ("Refresh" lists them again). */
  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this.ensureLoaded();
  }

  async ensureLoaded(): Promise<void> {
    if (!this.loaded) await this.refresh();
  }

  /** Every collection under the roots, listed again; the selection is kept if it still exists. */
  async refresh(): Promise<void> {
    this.loaded = true;
    this.status.textContent = "loading…";
    try {
      this.listing = await api.databases();
      this.showError(null);
    } catch (e) {
      this.showError(e);
      this.status.textContent = "";
      return;
    }
    const { databases, roots, modes } = this.listing;
    const count = databases.reduce((n, db) => n + db.collections.length, 0);
    this.status.textContent = count ? `${count} collection${count === 1 ? "" : "s"} under ${roots.join(", ")}` : this.emptyMessage();
    this.showHint(!count);
    this.mode.replaceChildren(...modes.map((m) => el("option", { text: m, attrs: { value: m } })));
    this.list.replaceChildren(...databases.map((db) => this.databaseNode(db)));
    const keep = this.selected && this.find(targetOf(this.selected));
    if (keep) await this.select(targetOf(keep));
    else this.selected = null;
  }

  /** The collections, as (label, target) pairs, for the "Query collection…" picker. */
  collections(): { label: string; target: Target }[] {
    return (this.listing?.databases ?? []).flatMap((db) => db.collections.map((c) => ({
      label: `${c.name} (${db.path === "." ? "" : db.path + ", "}${c.rows} rows)`,
      target: { root: db.root, path: db.path, name: c.name },
    })));
  }

  /** What the panel says when it finds no collection. */
  emptyMessage(): string {
    const roots = this.listing?.roots ?? [];
    return `No collections under ${roots.join(", ") || "the server's roots"}.`;
  }

  /** How to point the panel at a database: the server's roots, set at start-up. */
  private showHint(show: boolean): void {
    this.hint.hidden = !show;
    if (!show) return;
    const code = (text: string) => el("code", { text });
    this.hint.replaceChildren(
      el("p", { text: "The panel lists the databases (folders made with vl.connect) under the server's roots. Create one inside a root, then Refresh, or start Jupyter with a root that holds yours:" }),
      el("pre", {}, [code('jupyter lab --VecStoreLab.roots=\'["/path/to/data"]\'')]),
      el("p", {}, [document.createTextNode("or set "), code("c.VecStoreLab.roots = [\"/path/to/data\"]"), document.createTextNode(" in jupyter_server_config.py. An s3:// URI works too (credentials from the environment).")]),
    );
  }

  focusQuery(): void {
    this.query.focus();
  }

  private find(t: Target): Selected | null {
    for (const db of this.listing?.databases ?? []) {
      if (db.root !== t.root || db.path !== t.path) continue;
      const info = db.collections.find((c) => c.name === t.name);
      if (info) return { db, info };
    }
    return null;
  }

  private databaseNode(db: Database): HTMLElement {
    const items = db.collections.map((c) => {
      const item = el("button", {
        class: "vsl-lab-item",
        title: `${c.name}: ${c.rows} rows, dim ${c.dim}, ${c.distance}`,
        attrs: { "data-testid": "collection", "data-name": c.name, "data-path": db.path },
      }, [
        el("span", { class: "vsl-lab-name", text: c.name }),
        el("span", { class: "vsl-lab-facts", text: `${c.rows} rows · ${c.dim}d · ${c.distance}${c.embedder ? " · " + c.embedder : ""}` }),
      ]);
      item.addEventListener("click", () => void this.select({ root: db.root, path: db.path, name: c.name }));
      return item;
    });
    const where = db.path === "." ? db.location : db.path;
    return el("div", { class: "vsl-lab-db" }, [el("div", { class: "vsl-lab-db-path", text: where, title: db.location }), ...items]);
  }

  /** Show one collection: stats, schema, indexes and its latest versions; ready to query. */
  async select(t: Target): Promise<void> {
    const found = this.find(t);
    if (!found) return;
    let info: CollectionInfo;
    try {
      info = await api.collection(t);
      this.showError(null);
    } catch (e) {
      this.showError(e);
      return;
    }
    this.selected = { db: found.db, info };
    this.list.querySelectorAll(".vsl-lab-item").forEach((n) => {
      const b = n as HTMLElement;
      b.classList.toggle("selected", b.dataset.name === t.name && b.dataset.path === t.path);
    });
    const stats: [string, string][] = [
      ["rows", String(info.rows)],
      ["dim", String(info.dim)],
      ["distance", info.distance],
      ["embedder", info.embedder ?? "none (vectors given)"],
      ["full text", info.full_text ?? "LanceDB defaults"],
      ["version", `${info.version} (${info.versions} versions)`],
    ];
    this.details.replaceChildren(
      el("h3", { text: info.name }),
      el("dl", { class: "vsl-lab-stats", attrs: { "data-testid": "stats" } }, stats.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })])),
      el("h4", { text: "Schema" }),
      table(["column", "type"], (info.schema ?? []).map((f) => [f.name, (f.label ?? f.type) + (f.nullable ? "" : " not null")]), "schema"),
      el("h4", { text: "Indexes" }),
      // One line per index: a four-column table does not fit a sidebar.
      info.indexes.length
        ? el("ul", { class: "vsl-lab-indexes", attrs: { "data-testid": "indexes" } }, info.indexes.map((ix) => {
          const unindexed = (ix as Record<string, unknown>)["unindexed_rows"];
          const rest = unindexed ? ` · ${formatValue(unindexed)} rows not indexed yet` : "";
          return el("li", { text: `${ix.name}: ${ix.type} on ${ix.columns.join(", ")}${rest}` });
        }))
        : el("div", { class: "vsl-status", text: "no indexes (exact search)" }),
      el("h4", { text: "Versions" }),
      table(["version", "rows", "time"], (info.version_list ?? []).slice(-10).reverse().map((v) => [String(v.version), String(v.rows), v.timestamp.replace("T", " ").slice(5, 16)]), "versions"),
    );
    // Without a stored embedder, only full-text search can take a text query.
    for (const option of Array.from(this.mode.options)) option.disabled = !info.embedder && option.value !== "text";
    this.mode.value = info.embedder ? "hybrid" : "text";
    this.details.style.display = "";
    this.queryBox.style.display = "";
    this.results.replaceChildren();
  }

  async runQuery(): Promise<void> {
    if (!this.selected) return;
    const spec = { text: this.query.value, mode: this.mode.value, k: Math.max(1, parseInt(this.k.value || "10", 10)) };
    this.results.replaceChildren(el("div", { class: "vsl-status", text: "searching…" }));
    try {
      const reply = await api.query(targetOf(this.selected), spec);
      this.showError(null);
      const about = el("div", { class: "vsl-status", attrs: { "data-testid": "panel-summary" }, text: `${reply.results.length} hits (${spec.mode})` });
      this.results.replaceChildren(about, hitList(reply.results, reply.words));
    } catch (e) {
      this.results.replaceChildren();
      this.showError(e);
    }
  }

  private async open(): Promise<void> {
    if (!this.selected) return;
    const k = Math.max(1, parseInt(this.k.value || "10", 10));
    try {
      await this.openInNotebook(this.selected.db, this.selected.info, this.query.value, this.mode.value, k);
    } catch (e) {
      this.showError(e);
    }
  }

  private showError(e: unknown): void {
    const message = e === null ? "" : e instanceof Error ? e.message : String(e);
    this.error.textContent = message;
    this.error.style.display = message ? "" : "none";
  }
}
