// Whether the kernel holds a view's model. A view restored from a saved notebook (or whose
// kernel has gone) has no comm: messages to Python go nowhere. ipywidgets marks such a view's
// element with `jupyter-widgets-disconnected` (and clears it when the comm comes back), so the
// view watches that class and says plainly that it is a saved picture, with the controls that
// need Python disabled. Front ends without the class (nbconvert HTML, marimo) count as live.
import { el } from "./dom";

const DEAD = "jupyter-widgets-disconnected";

/** Show `message` in a banner and disable the controls that need Python (every input, select
 * and button not marked `data-local`) while the view has no kernel behind it. Returns a
 * function that stops watching. */
export function watchLive(root: HTMLElement, message: string, onChange?: (live: boolean) => void): () => void {
  const banner = el("div", { class: "vsl-saved", text: message, attrs: { "data-testid": "saved-view", role: "status" } });
  banner.hidden = true;
  root.insertBefore(banner, root.firstChild);
  let live: boolean | null = null;
  const update = () => {
    const now = !(root.classList.contains(DEAD) || root.closest(`.${DEAD}`));
    if (now === live) return;
    live = now;
    banner.hidden = now;
    root.dataset.live = String(now);
    for (const control of root.querySelectorAll<HTMLInputElement>("input, select, button, textarea")) {
      if (control.dataset.local !== undefined) continue;
      if (!now) {
        if (control.dataset.wasDisabled === undefined) control.dataset.wasDisabled = String(control.disabled);
        control.disabled = true;
      } else if (control.dataset.wasDisabled !== undefined) {
        control.disabled = control.dataset.wasDisabled === "true";
        delete control.dataset.wasDisabled;
      }
    }
    onChange?.(now);
  };
  const watch = new MutationObserver(update);
  watch.observe(root, { attributes: true, attributeFilter: ["class"] });
  update();
  return () => watch.disconnect();
}

/** Whether the view has a kernel behind it (set by watchLive). */
export function isLive(root: HTMLElement): boolean {
  return root.dataset.live !== "false";
}
