// Grading hits where they are shown (SearchWidget with judgements=True): a strip of grade
// chips (0-3) on each card with the standing grade and who gave it, and a hint when a hit's
// text is exactly a graded twin's. Pure DOM over plain data; the requests are the caller's.
import { el } from "./dom";

export const GRADE_NAMES = ["not relevant", "marginal", "relevant", "highly relevant"];

export interface GradeState {
  grades: Record<string, [number, string]>; // id -> [grade, judge]
  twins: Record<string, string[]>; // id -> other ids with the same text
}

/** The grade strip of hit ``id``: chips 0-3 (the standing one pressed) and who graded. */
export function gradeStrip(id: string, state: GradeState): HTMLElement {
  const standing = state.grades[id];
  const text = standing ? `${GRADE_NAMES[standing[0]]} · ${standing[1]}` : "not graded";
  const twin = twinHint(id, state);
  return chipStrip(id, standing?.[0], text, twin ? [twin] : []);
}

/** Chips 0-3 for hit ``id`` with ``standing`` pressed, a label, and any ``extra`` parts. Blind
 * judging uses it bare: its label names the grade but no judge. */
export function chipStrip(id: string, standing: number | undefined, text: string, extra: HTMLElement[] = []): HTMLElement {
  const chips = GRADE_NAMES.map((name, g) => el("button", {
    class: `vsl-chip${standing === g ? " on" : ""}`,
    text: String(g),
    title: `${g}: ${name} (key ${g})`,
    attrs: { "data-grade": String(g), "aria-pressed": String(standing === g) },
  }));
  const label = el("span", { class: "vsl-grade-label", text, attrs: { "data-testid": "grade-label" } });
  return el("div", { class: "vsl-grade", attrs: { "data-testid": "grade", "data-id": id } }, [...chips, label, ...extra]);
}

/** "same text as d13, graded relevant · copy": when ``id`` is ungraded and a twin is not. */
export function twinHint(id: string, state: GradeState): HTMLElement | null {
  if (state.grades[id]) return null;
  const graded = (state.twins[id] ?? []).find((t) => state.grades[t]);
  if (graded === undefined) return null;
  const [g] = state.grades[graded];
  return el("span", { class: "vsl-twin", attrs: { "data-testid": "twin" } }, [
    el("span", { text: `same text as ${graded}, graded ${GRADE_NAMES[g]} ` }),
    el("button", { class: "vsl-copy", text: "copy grade", attrs: { "data-copy": graded } }),
  ]);
}

/** The grade a key stands for (0-3), or null. */
export function gradeKey(key: string): number | null {
  return key.length === 1 && key >= "0" && key <= "3" ? Number(key) : null;
}

/** The index a move key leads to from ``at`` among ``n`` hits (j/k, arrows), or null. */
export function moveKey(key: string, at: number, n: number): number | null {
  if (n === 0) return null;
  if (key === "j" || key === "ArrowDown") return Math.min(n - 1, at + 1);
  if (key === "k" || key === "ArrowUp") return Math.max(0, at - 1);
  return null;
}
