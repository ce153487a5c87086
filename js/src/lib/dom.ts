// DOM helpers. Every piece of user data goes in through textContent, never as HTML markup:
// document text like `<img src=x onerror=...>` must show literally.

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { class?: string; text?: string; title?: string; attrs?: Record<string, string> } = {},
  children: (Node | null | undefined)[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.class) node.className = props.class;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.title !== undefined) node.title = props.title;
  for (const [k, v] of Object.entries(props.attrs ?? {})) node.setAttribute(k, v);
  for (const child of children) if (child) node.appendChild(child);
  return node;
}

/** A pattern matching any of ``words`` as a whole word (case-insensitive). The words come
 * from Python (vecstore_lab/_render/terms.py): the hits' words whose full-text index term is one of
 * the query's, so stop words and substrings ("the" in "their") are never marked. */
export function wordPattern(words: string[]): RegExp | null {
  if (!words.length) return null;
  const escaped = words.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${escaped.join("|")})(?![\\p{L}\\p{N}])`, "giu");
}

/** Text with every match of ``pattern`` wrapped in <mark>, built as nodes (never as HTML). */
export function highlighted(text: string, pattern: RegExp | null): DocumentFragment {
  const frag = document.createDocumentFragment();
  if (!pattern) {
    frag.appendChild(document.createTextNode(text));
    return frag;
  }
  let last = 0;
  for (const m of text.matchAll(pattern)) {
    const start = m.index ?? 0;
    if (start > last) frag.appendChild(document.createTextNode(text.slice(last, start)));
    frag.appendChild(el("mark", { text: m[0] }));
    last = start + m[0].length;
  }
  if (last < text.length) frag.appendChild(document.createTextNode(text.slice(last)));
  return frag;
}

export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(4);
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(formatValue).join(", ");
  if (typeof v === "object" && v !== null && "toArray" in v) {
    return formatValue(Array.from((v as { toArray(): unknown[] }).toArray()));
  }
  return String(v);
}

export function injectStyle(root: HTMLElement, css: string): void {
  root.appendChild(el("style", { text: css }));
}
