// The facet brush's rules, pure: what a click, shift-click or drag leaves picked, and which
// histogram ticks fit. (FacetWidget's front end applies them.)

/** The bars picked after a press on bar ``from`` and a release on bar ``to``.
 *
 * A click (``from === to``) picks that bar alone, or drops it when it was the only one;
 * with ``extend`` (shift) it toggles that bar in a category chart, and stretches a
 * histogram's range to reach it. A drag picks the bars between, added to the pick with
 * ``extend`` (a histogram's pick stays one range). Sorted, each bar once. */
export function pickAfter(picked: number[], from: number, to: number, opts: { range: boolean; extend: boolean }): number[] {
  const lo = Math.min(from, to);
  const hi = Math.max(from, to);
  const span = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
  const sorted = (xs: Iterable<number>) => Array.from(new Set(xs)).sort((a, b) => a - b);
  if (from !== to) {
    if (!opts.extend) return span(lo, hi);
    // a histogram's pick stays one range
    return opts.range ? span(Math.min(lo, ...picked), Math.max(hi, ...picked)) : sorted([...picked, ...span(lo, hi)]);
  }
  if (!opts.extend) return picked.length === 1 && picked[0] === to ? [] : [to];
  if (opts.range) {
    if (!picked.length) return [to];
    return span(Math.min(to, ...picked), Math.max(to, ...picked));
  }
  return picked.includes(to) ? picked.filter((p) => p !== to) : sorted([...picked, to]);
}

/** The histogram bins to label on an axis ``width`` px wide: every bin when they fit (about
 * 56 px a label), else every second, fourth... bin, always the first. */
export function ticksOf(labels: string[], width: number): string[] {
  const fit = Math.max(2, Math.floor(width / 56));
  const step = Math.max(1, 2 ** Math.ceil(Math.log2(labels.length / fit)));
  return labels.filter((_, i) => i % step === 0);
}
