// The code "Open in notebook" inserts: connect to the collection's database, open it, and show
// a SearchWidget on it (searching the panel's query, if there is one).
import { PathExt } from "@jupyterlab/coreutils";
import type { CollectionInfo, Database } from "./api";

// A JSON string literal is also a valid Python string literal: quotes, backslashes and
// control characters in a path or a query stay inert.
const py = (s: string) => JSON.stringify(s);

/** The database as the notebook at `notebookPath` should name it: relative to the notebook's
 * folder when both lie under Jupyter's root (the notebook keeps working when the project
 * moves), else its absolute location. */
export function databasePath(db: Database, notebookPath: string): string {
  if (db.server_path === null || db.server_path === undefined) return db.location;
  const relative = PathExt.relative(PathExt.dirname(notebookPath), db.server_path);
  return relative === "" ? "." : relative;
}

export function notebookCell(db: Database, info: CollectionInfo, query: string, mode: string, k: number, notebookPath = ""): string {
  const lines = [
    "import vecstore_lab as vl",
    "from vecstore_lab.widgets import SearchWidget",
    "",
    `collection = vl.connect(${py(databasePath(db, notebookPath))}).get_collection(${py(info.name)})`,
    `search = SearchWidget(collection, k=${Math.max(1, Math.floor(k))}, mode=${py(mode)})`,
  ];
  if (query.trim()) lines.push(`search.search(${py(query)})`);
  lines.push("search");
  return lines.join("\n");
}
