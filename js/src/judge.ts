// JudgeWidget front end: blind pooled judging. One query at a time with its pooled hits
// (id and text only: the pool carries no score, rank or configuration), grade chips on each,
// a progress bar, and the agreement with other judges. Keyboard: j/k or arrows move, 0-3
// grade (and move on to the next ungraded hit), n/p change query.
import css from "./lib/style.css";
import type { RenderProps } from "@anywidget/types";
import { Listeners, type JudgeModel } from "./lib/models";
import { el, injectStyle } from "./lib/dom";
import { request } from "./lib/rpc";
import { watchLive } from "./lib/live";
import { GRADE_NAMES, chipStrip, gradeKey, moveKey } from "./lib/grading";

const LONG = 1200;

function render({ model, el: root }: RenderProps<JudgeModel>) {
  root.classList.add("vsl", "vsl-judge");
  injectStyle(root, css);

  const prev = el("button", { text: "‹ previous", title: "previous query (p)", attrs: { "data-testid": "prev" } });
  const next = el("button", { text: "next ›", title: "next query (n)", attrs: { "data-testid": "next" } });
  const where = el("span", { class: "vsl-judge-where", attrs: { "data-testid": "where" } });
  const fill = el("div", { class: "vsl-progress-fill" });
  const bar = el("div", { class: "vsl-progress", attrs: { role: "progressbar", "data-testid": "progress-bar" } }, [fill]);
  const count = el("span", { class: "vsl-progress-text", attrs: { "data-testid": "progress" } });
  const agreement = el("div", { class: "vsl-status", attrs: { "data-testid": "agreement" } });
  const query = el("div", { class: "vsl-judge-query", attrs: { "data-testid": "judge-query" } });
  const error = el("div", { class: "vsl-error", attrs: { "data-testid": "error" } });
  const help = el("div", { class: "vsl-status", text: "keys: j/k move · 0-3 grade · n/p query" });
  const list = el("div", { class: "vsl-hits", attrs: { "data-testid": "pool", tabindex: "0" } });
  root.append(
    el("div", { class: "vsl-controls" }, [prev, next, where, bar, count]),
    agreement, query, error, list, help,
  );

  let focused = 0;  // the first hit is ready for a key at once
  const cards = () => Array.from(list.querySelectorAll<HTMLElement>(".vsl-hit"));
  const focusOn = (index: number) => {
    const all = cards();
    all.forEach((c, i) => c.classList.toggle("focused", i === index));
    focused = index;
    if (index >= 0 && all[index]) {
      all[index].scrollIntoView({ block: "nearest" });
      root.dataset.focused = all[index].dataset.id ?? "";
    }
  };

  const strip = (id: string): HTMLElement => {
    const standing = (model.get("grades") ?? {})[id];
    return chipStrip(id, standing, standing === undefined ? "not graded" : GRADE_NAMES[standing]);
  };

  const renderItems = () => {
    const keep = focused;
    const items = model.get("items") ?? [];
    list.replaceChildren(...items.map((item) => {
      const text = item.text.length > LONG ? item.text.slice(0, LONG) + "…" : item.text;
      return el("div", { class: "vsl-hit vsl-pooled", attrs: { "data-id": item.id, "data-testid": "pooled" } }, [
        el("div", {}, [
          el("div", { class: "vsl-hit-head" }, [el("span", { class: "vsl-id", text: item.id })]),
          el("div", { class: "vsl-text", text }),
        ]),
        strip(item.id),
      ]);
    }));
    focusOn(Math.min(keep, items.length - 1));
  };
  const renderGrades = () => {
    for (const card of cards()) card.querySelector(".vsl-grade")?.replaceWith(strip(card.dataset.id ?? ""));
  };
  const renderHead = () => {
    const n = (model.get("queries") ?? []).length;
    const at = model.get("position") ?? 0;
    where.textContent = `query ${at + 1} of ${n}`;
    prev.disabled = at <= 0;
    next.disabled = at >= n - 1;
    query.textContent = model.get("query") ?? "";
    const done = model.get("done") ?? 0;
    const total = model.get("total") ?? 0;
    count.textContent = `${done} of ${total} judged`;
    fill.style.width = `${total ? (100 * done) / total : 0}%`;
    bar.setAttribute("aria-valuenow", String(done));
    bar.setAttribute("aria-valuemax", String(total));
    agreement.textContent = model.get("agreement") ?? "";
    agreement.hidden = !model.get("agreement");
    const message = model.get("error") ?? "";
    error.textContent = message;
    error.style.display = message ? "" : "none";
  };

  const move = (position: number) => {
    const n = (model.get("queries") ?? []).length;
    if (position < 0 || position >= n) return;
    focused = 0;
    model.set("position", position);
    model.save_changes();
  };
  const grade = async (id: string, g: number) => {
    try {
      const { reply } = await request(model, "grade", { id, grade: g });
      if (!reply.ok) model.set("error", String(reply.error ?? "grading failed"));
      else if (model.get("error")) model.set("error", "");
    } catch (e) {
      model.set("error", String(e));
    }
    renderHead();
  };
  const nextUngraded = (from: number): number => {
    const grades = model.get("grades") ?? {};
    const all = cards();
    for (let i = from + 1; i < all.length; i++) if (grades[all[i].dataset.id ?? ""] === undefined) return i;
    return Math.min(from + 1, all.length - 1);
  };

  prev.addEventListener("click", () => move((model.get("position") ?? 0) - 1));
  next.addEventListener("click", () => move((model.get("position") ?? 0) + 1));
  list.addEventListener("click", (event) => {
    const target = event.target as HTMLElement;
    const card = target.closest<HTMLElement>(".vsl-hit");
    if (!card) return;
    focusOn(cards().indexOf(card));
    const chip = target.closest<HTMLElement>("[data-grade]");
    if (chip) void grade(card.dataset.id ?? "", Number(chip.dataset.grade));
  });
  list.addEventListener("keydown", (event) => {
    const all = cards();
    const to = moveKey(event.key, focused, all.length);
    if (to !== null) { event.preventDefault(); focusOn(to); return; }
    if (event.key === "n" || event.key === "p") {
      event.preventDefault();
      move((model.get("position") ?? 0) + (event.key === "n" ? 1 : -1));
      return;
    }
    const g = gradeKey(event.key);
    if (g !== null && focused >= 0 && all[focused]) {
      event.preventDefault();
      const at = focused;
      void grade(all[at].dataset.id ?? "", g);
      focusOn(nextUngraded(at));
    }
  });

  const listeners = new Listeners(model);
  listeners.on("items", renderItems);
  listeners.on("grades", renderGrades);
  listeners.on(["queries", "position", "query", "done", "total", "agreement", "error"], renderHead);
  renderHead();
  renderItems();
  const unwatch = watchLive(root, "Saved view: run the cell to judge again.");
  return () => { listeners.dispose(); unwatch(); };
}

export default { render };
