// Arrow IPC (sent by Python in binary buffers / bytes traits) decoded with flechette.
import { tableFromIPC } from "@uwdata/flechette";

export type Row = Record<string, unknown>;

function bytesOf(data: unknown): Uint8Array | null {
  if (!data) return null;
  if (data instanceof DataView) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (data instanceof Uint8Array) return data;
  return null;
}

/** Rows of an Arrow IPC stream (empty list when there is no data yet). */
export function rowsFromIPC(data: unknown): Row[] {
  const bytes = bytesOf(data);
  if (!bytes || bytes.byteLength === 0) return [];
  const table = tableFromIPC(bytes, { useDate: true, useBigInt: false });
  return table.toArray() as Row[];
}

export function columnsFromIPC(data: unknown): string[] {
  const bytes = bytesOf(data);
  if (!bytes || bytes.byteLength === 0) return [];
  return tableFromIPC(bytes).schema.fields.map((f) => f.name);
}
