// Cluster labels over the map (EmbeddingMap, labels=True): the coarse level over the whole
// map, the finer one once the view is zoomed in past half the map; larger clusters first, a
// label that would overlap one already placed is left out (labels thin out as space runs
// short), and one whose centre is out of view is not drawn.

export interface ClusterLabel { level: number; cluster: number; label: string; size: number; x: number; y: number }
export interface Placed { label: ClusterLabel; left: number; top: number; width: number; height: number }

const CHAR_W = 7;
const PAD = 12;
export const LABEL_H = 18;

/** The level to show for a view whose x domain is ``span`` wide (the map spans 2). */
export function levelFor(span: number): number {
  return span > 1.0 ? 0 : 1;
}

export function placeLabels(
  labels: ClusterLabel[],
  level: number,
  x: (v: number) => number,
  y: (v: number) => number,
  width: number,
  height: number,
): Placed[] {
  const placed: Placed[] = [];
  const mine = labels.filter((l) => l.level === level).sort((a, b) => b.size - a.size || a.cluster - b.cluster);
  for (const label of mine) {
    const cx = x(label.x);
    const cy = y(label.y);
    if (cx < 0 || cy < 0 || cx > width || cy > height) continue;
    const w = label.label.length * CHAR_W + PAD;
    const box = { left: Math.min(Math.max(0, cx - w / 2), Math.max(0, width - w)), top: Math.min(Math.max(0, cy - LABEL_H / 2), Math.max(0, height - LABEL_H)), width: w, height: LABEL_H };
    const overlaps = placed.some((p) => box.left < p.left + p.width && p.left < box.left + box.width && box.top < p.top + p.height && p.top < box.top + box.height);
    if (!overlaps) placed.push({ label, ...box });
  }
  return placed;
}

/** The points of cluster ``cluster`` (their indices), from the level's code column. */
export function membersOf(codes: ArrayLike<number>, cluster: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < codes.length; i++) if (codes[i] === cluster) out.push(i);
  return out;
}
