// The map's point columns, decoded from Arrow IPC: float32 x/y in [-1, 1], and a uint8
// category code or a float32 value in [0, 1] for colour. Views on the IPC buffer when it is
// one batch (no copy for a million points).
import { tableFromIPC } from "@uwdata/flechette";
import { bytesOf } from "../lib/arrow";

export interface Columns {
  x: Float32Array;
  y: Float32Array;
  color: Uint8Array | Float32Array | null;
  clusters: Uint8Array[]; // each point's cluster code per level (coarse, fine), when labelled
}

export function columns(data: unknown): Columns {
  const bytes = bytesOf(data);
  if (!bytes || bytes.byteLength === 0) return { x: new Float32Array(), y: new Float32Array(), color: null, clusters: [] };
  const table = tableFromIPC(bytes);
  const get = (name: string) => table.getChild(name)?.toArray() ?? null;
  return {
    x: get("x") as Float32Array,
    y: get("y") as Float32Array,
    color: get("color") as Uint8Array | Float32Array | null,
    clusters: [0, 1, 2].map((l) => get(`cluster_${l}`) as Uint8Array | null).filter((c): c is Uint8Array => c !== null),
  };
}
