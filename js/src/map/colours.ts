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

/** What regl-scatterplot draws: the point columns, the draw options and the plot settings. */
export interface Encoding {
  points: Record<string, ArrayLike<number>>;
  options: Record<string, unknown>;
  settings: { colorBy: "valueA" | "valueB" | null; pointColor: string | string[] };
}

/** The uncoloured points' colour on a dark or light background. */
export function plainColour(dark: boolean): string {
  return dark ? "#8ab4f8" : "#4c78a8";
}

/** The encoding of points ``x``, ``y`` coloured by ``color`` as ``legend`` says. */
export function encode(
  x: Float32Array, y: Float32Array, color: Uint8Array | Float32Array | null, legend: Legend, dark: boolean,
): Encoding {
  const points: Record<string, ArrayLike<number>> = { x, y };
  if (color && legend.kind === "category") {
    points.z = color;
    return { points, options: { zDataType: "categorical" }, settings: { colorBy: "valueA", pointColor: PALETTE } };
  }
  if (color && legend.kind === "value") {
    // regl-scatterplot reads w only next to a z column: without one every point took the
    // palette's first colour.
    points.z = new Uint8Array(x.length);
    points.w = color;
    return {
      points,
      options: { zDataType: "categorical", wDataType: "continuous" },
      settings: { colorBy: "valueB", pointColor: VIRIDIS },
    };
  }
  return { points, options: {}, settings: { colorBy: null, pointColor: plainColour(dark) } };
}
