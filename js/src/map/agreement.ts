// How MapComparison colours a point by the share of nearest neighbours the two embeddings
// agree on: warm and strong where they disagree, a muted blue where they agree. Mid-tone
// stops, so the points read on a light and on a dark canvas. Pure.

export const AGREEMENT = ["#d62728", "#f28e2b", "#c9a227", "#7f9fb8", "#4e79a7", "#3d5a80"];

/** The palette's colour for a share in [0, 1] (nearest stop). */
export function agreementColour(share: number): string {
  const s = Math.min(1, Math.max(0, share));
  return AGREEMENT[Math.round(s * (AGREEMENT.length - 1))];
}

/** "3 of 10 shared". */
export function sharedLabel(shared: number, k: number): string {
  return `${shared} of ${k} shared`;
}
