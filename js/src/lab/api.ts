// The server extension's REST API (vecstore_lab/server): JSON in and out, through JupyterLab's
// ServerConnection, so the server's token and XSRF cookie go with every request.
import { URLExt } from "@jupyterlab/coreutils";
import { ServerConnection } from "@jupyterlab/services";

export interface CollectionInfo {
  name: string;
  rows: number;
  dim: number;
  distance: string;
  embedder: string | null;
  /** How the full-text index reads text: "English; stemmed; stop words removed …". */
  full_text?: string;
  version: number;
  versions: number;
  indexes: { name: string; type: string; columns: string[] }[];
  schema?: { name: string; type: string; label?: string; nullable: boolean }[];
  version_list?: { version: number; timestamp: string; rows: number }[];
}

export interface Database {
  root: number;
  path: string;
  location: string;
  /** The folder relative to Jupyter's root (null when outside it or on object storage). */
  server_path: string | null;
  collections: CollectionInfo[];
}

export interface Listing {
  roots: string[];
  modes: string[];
  databases: Database[];
}

export interface QueryReply {
  results: Record<string, unknown>[];
  words: string[];
}

/** Where a collection lives: which root, the database folder under it, and its name. */
export interface Target {
  root: number;
  path: string;
  name: string;
}

export class ApiError extends Error {
  constructor(readonly kind: string, message: string) {
    super(`${kind}: ${message}`);
  }
}

async function call<T>(endpoint: string, params: Record<string, string>, init: RequestInit = {}): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const query = new URLSearchParams(params).toString();
  const url = URLExt.join(settings.baseUrl, "vecstore-lab", "api", endpoint) + (query ? `?${query}` : "");
  const response = await ServerConnection.makeRequest(url, init, settings);
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = body?.error ?? { type: "HTTPError", message: response.statusText };
    throw new ApiError(String(error.type), String(error.message));
  }
  return body as T;
}

const where = (t: Target) => ({ root: String(t.root), path: t.path, name: t.name });

export const api = {
  databases: () => call<Listing>("databases", {}),
  collection: (t: Target) => call<CollectionInfo>("collection", where(t)),
  query: (t: Target, spec: Record<string, unknown>) =>
    call<QueryReply>("query", where(t), { method: "POST", body: JSON.stringify(spec) }),
};
