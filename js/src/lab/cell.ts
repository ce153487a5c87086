// The code "Open in notebook" inserts: connect to the collection's database, open it, and show
// a SearchWidget on it (searching the panel's query, if there is one).
import type { CollectionInfo, Database } from "./api";

// A JSON string literal is also a valid Python string literal: quotes, backslashes and
// control characters in a path or a query stay inert.
const py = (s: string) => JSON.stringify(s);

export function notebookCell(db: Database, info: CollectionInfo, query: string, mode: string, k: number): string {
  const lines = [
    "import vecstore_lab as vl",
    "from vecstore_lab.widgets import SearchWidget",
    "",
    `collection = vl.connect(${py(db.location)}).get_collection(${py(info.name)})`,
    `search = SearchWidget(collection, k=${Math.max(1, Math.floor(k))}, mode=${py(mode)})`,
  ];
  if (query.trim()) lines.push(`search.search(${py(query)})`);
  lines.push("search");
  return lines.join("\n");
}
