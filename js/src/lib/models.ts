// The synced state of each widget, trait by trait, as Python declares it
// (vecstore_lab/widgets/*.py; tests/unit/widgets/test_widgets.py checks the two lists agree).
// Table traits arrive as Arrow IPC bytes (a DataView in a binary buffer) and decode with
// lib/arrow.ts.
import type { AnyModel } from "@anywidget/types";

export type { AnyModel };
/** An Arrow IPC stream as synced by an ArrowTable trait (empty before the first value). */
export type IPC = DataView | ArrayBuffer | Uint8Array | null;
type Json = Record<string, unknown>;

export interface SearchModel {
  query: string;
  k: number;
  mode: string;
  modes: string[];
  where: string;
  rerank: string;
  rerankers: string[];
  results: IPC;
  marks: string[];
  error: string;
  status: string;
  busy: boolean;
  selected: Json | null;
  live: boolean;
  debounce_ms: number;
  filter_hint: string;
  scope_note: string;
  judge: string;
  graded_query: string;
  grades: Record<string, [number, string]>;
  twins: Record<string, string[]>;
  compared: string[];
  results_b: IPC;
  status_b: string;
  compare_summary: Record<string, unknown>;
}

export interface BrowserModel {
  page: number;
  page_size: number;
  sort_by: string;
  descending: boolean;
  where: string;
  rows: IPC;
  total: number;
  schema_info: { name: string; type: string; label: string; nullable: boolean }[];
  stats: Json;
  versions: { version: number; timestamp: string; rows: number | null }[];
  filter_hint: string;
  scope_note: string;
  marked: string[];
}

export interface EmbeddingMapModel {
  points: IPC;
  legend: Json;
  color_by: string;
  method: "pca" | "umap";
  max_points: number;
  total: number;
  density: boolean;
  height: number;
  query_point: { x: number; y: number; text?: string } | null;
  highlighted: string[];
  highlighted_index: number[];
  selected_ids: string[];
  picked: number[]; // the selection's point indices, set here
  labels: boolean;
  active: IPC;
  active_count: number;
  cluster_labels: { level: number; cluster: number; label: string; size: number; x: number; y: number; terms: string[] }[];
}

export interface EvalModel {
  k: number;
  configs: string[];
  baseline: string;
  metric: string;
  metrics: string[];
  summary: IPC;
  per_query: IPC;
  drill_query: string;
  drill_config: string;
  drill_text: string;
  drill_results: IPC;
  drill_marks: string[];
  drill_missed: Json[];
  status: string;
  history: IPC;
}

export interface JudgeModel {
  queries: string[];
  position: number;
  query: string;
  items: { id: string; text: string }[];
  grades: Record<string, number>;
  judge: string;
  done: number;
  total: number;
  agreement: string;
  error: string;
}

export interface Facet { column: string; kind: "category" | "number"; labels: string[]; total: number[]; kept: number[] }

export interface FacetModel {
  columns: string[];
  facets: Facet[];
  selection: Record<string, number[]>;
  kept_rows: number;
  total: number;
}

export interface MapCompareModel {
  names: string[];
  k: number;
  total: number;
  common: number;
  points: IPC;
  moved_rows: IPC;
  selected_ids: string[];
  picked: number[]; // the selection's point indices, set here
  height: number;
}

export interface TelemetryModel {
  spans: IPC;
  summary: IPC;
  totals: Json;
  interval: number;
  window: number;
  updates: number;
}

/** Model listeners of one view, all removed by `dispose` (the view's cleanup): a view that
 * is closed or re-rendered leaves nothing behind on the model. */
export class Listeners<T extends Record<string, any>> {
  private entries: [string, () => void][] = [];
  constructor(private readonly model: AnyModel<T>) {}

  /** Call `callback` when any of `names` changes. */
  on(names: (keyof T & string) | (keyof T & string)[], callback: () => void): void {
    for (const name of Array.isArray(names) ? names : [names]) {
      const event = `change:${name}` as const;
      this.model.on(event, callback);
      this.entries.push([event, callback]);
    }
  }

  dispose = (): void => {
    for (const [event, callback] of this.entries) this.model.off(event, callback);
    this.entries = [];
  };
}
