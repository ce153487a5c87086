// How MapComparison colours a point by the share of nearest neighbours the two embeddings
// agree on: warm and strong where they disagree, a muted blue where they agree. Mid-tone
// stops, each at least 3:1 on a white and on a near-black canvas (the UI test reads them). Pure.

export const AGREEMENT = ["#d62728", "#e0661b", "#a8861a", "#6a8aa6", "#4e79a7", "#4a6c96"];

/** The palette's colour for a share in [0, 1] (nearest stop). */
export function agreementColour(share: number): string {
  const s = Math.min(1, Math.max(0, share));
  return AGREEMENT[Math.round(s * (AGREEMENT.length - 1))];
}

/** "3 of 10 shared". */
export function sharedLabel(shared: number, k: number): string {
  return `${shared} of ${k} shared`;
}
