// How the map colours its points: categories from a palette, numbers on viridis. Pure.

// Tableau 10 and its light variants: distinct in both themes.
export const PALETTE = [
  "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
  "#9c755f", "#bab0ac", "#a0cbe8", "#ffbe7d", "#ff9d9a", "#86bcb6", "#8cd17d", "#f1ce63",
  "#d4a6c8", "#fabfd2", "#d7b5a6", "#79706e",
];
// viridis, 9 stops, for numeric colour.
export const VIRIDIS = ["#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725"];

export interface Legend { kind: "none" | "category" | "value"; labels?: string[]; counts?: number[]; min?: number; max?: number }

/** How strongly kept and dimmed points are drawn (a linked filter dims the rest). */
export const OPACITY = 0.8;
export const DIMMED = 0.07;

/** What regl-scatterplot draws: the point columns, the draw options and the plot settings. */
export interface Encoding {
  points: Record<string, ArrayLike<number>>;
  options: Record<string, unknown>;
  settings: {
    colorBy: "valueA" | "valueB" | null;
    pointColor: string | string[];
    opacityBy: "valueA" | "valueB" | null;
    opacity: number | number[];
    pointOrder: number[] | null;
  };
}

/** The uncoloured points' colour on a dark or light background. */
export function plainColour(dark: boolean): string {
  return dark ? "#8ab4f8" : "#4c78a8";
}

/** The encoding of points ``x``, ``y`` coloured by ``color`` as ``legend`` says, with the
 * points whose ``keep`` flag is 0 dimmed and drawn under the kept ones (``keep`` null: none
 * is dimmed). The colour takes one of regl-scatterplot's two point values, the flag the other. */
export function encode(
  x: Float32Array, y: Float32Array, color: Uint8Array | Float32Array | null, legend: Legend, dark: boolean,
  keep: Uint8Array | null = null,
): Encoding {
  const points: Record<string, ArrayLike<number>> = { x, y };
  const options: Record<string, unknown> = {};
  let colorBy: Encoding["settings"]["colorBy"] = null;
  let pointColor: string | string[] = plainColour(dark);
  let flagIn: "valueA" | "valueB" = "valueA";
  if (color && legend.kind === "category") {
    points.z = color;
    options.zDataType = "categorical";
    colorBy = "valueA";
    pointColor = PALETTE;
    flagIn = "valueB";
  } else if (color && legend.kind === "value") {
    // regl-scatterplot reads w only next to a z column: without one every point took the
    // palette's first colour.
    points.z = new Uint8Array(x.length);
    points.w = color;
    Object.assign(options, { zDataType: "categorical", wDataType: "continuous" });
    colorBy = "valueB";
    pointColor = VIRIDIS;
  }
  if (!keep) return { points, options, settings: { colorBy, pointColor, opacityBy: null, opacity: OPACITY, pointOrder: null } };
  if (flagIn === "valueA") { points.z = keep; options.zDataType = "categorical"; }
  else {
    points.w = keep;
    options.wDataType = "categorical";
  }
  return { points, options, settings: { colorBy, pointColor, opacityBy: flagIn, opacity: [DIMMED, OPACITY], pointOrder: keptLast(keep) } };
}

/** Point indices with the dimmed ones first, so kept points are painted over them. */
export function keptLast(keep: Uint8Array): number[] {
  const order: number[] = [];
  for (let i = 0; i < keep.length; i++) if (!keep[i]) order.push(i);
  for (let i = 0; i < keep.length; i++) if (keep[i]) order.push(i);
  return order;
}

/** One flag per point (1 kept) from the bits Python packed (numpy ``packbits``, little bit
 * order); null when nothing is filtered. */
export function unpackKeep(bits: Uint8Array | null, n: number): Uint8Array | null {
  if (!bits || bits.byteLength === 0) return null;
  const keep = new Uint8Array(n);
  for (let i = 0; i < n; i++) keep[i] = (bits[i >> 3] >> (i & 7)) & 1;
  return keep;
}
