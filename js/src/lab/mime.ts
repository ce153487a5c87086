// MIME renderer for application/vnd.vecstore-lab.results+json: the hits that QueryResults and
// the SearchWidget put in a cell's output, drawn with the SearchWidget's cards. It needs no
// kernel, so a saved notebook shows its results when reopened; every value goes in as text,
// which is why the renderer is safe for untrusted notebooks.
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { Widget } from "@lumino/widgets";
import css from "../lib/style.css";
import { el, injectStyle } from "../lib/dom";
import { hitList } from "../lib/hits";
import type { Row } from "../lib/arrow";

export const RESULTS_MIME = "application/vnd.vecstore-lab.results+json";

interface Payload {
  title?: string;
  words?: string[];
  total?: number;
  rows?: Row[];
}

export class ResultsRenderer extends Widget implements IRenderMime.IRenderer {
  constructor() {
    super();
    this.addClass("vsl");
    this.addClass("vsl-mime");
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = (model.data[RESULTS_MIME] ?? {}) as Payload;
    const rows = Array.isArray(data.rows) ? data.rows : [];
    const words = Array.isArray(data.words) ? data.words.map(String) : [];
    const total = typeof data.total === "number" ? data.total : rows.length;
    const more = total > rows.length ? ` (first ${rows.length} shown)` : "";
    this.node.replaceChildren();
    injectStyle(this.node, css);
    this.node.append(
      el("div", { class: "vsl-status", attrs: { "data-testid": "mime-title" }, text: `${String(data.title ?? "results")}${more}` }),
      hitList(rows, words),
    );
  }
}

const extension: IRenderMime.IExtension = {
  id: "vecstore-lab:results-renderer",
  // After a live widget view (rank 0), before HTML (50): with a kernel the widget shows; without
  // one, or in an untrusted notebook, these hits do instead of the static HTML table.
  rank: 20,
  dataType: "json",
  rendererFactory: {
    safe: true,
    mimeTypes: [RESULTS_MIME],
    defaultRank: 20,
    createRenderer: () => new ResultsRenderer(),
  },
};

export default extension;
