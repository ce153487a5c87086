// Arrow IPC (sent by Python in binary buffers / bytes traits) decoded with flechette.
import { tableFromIPC } from "@uwdata/flechette";

export type Row = Record<string, unknown>;

/** The bytes of a synced Arrow IPC value (DataView, ArrayBuffer or Uint8Array). */
export function bytesOf(data: unknown): Uint8Array | null {
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
  // Plain objects built column by column: flechette's row objects resolve each field on
  // access, which adds up when a view reads every field of a thousand rows several times.
  const names = table.schema.fields.map((f) => f.name);
  const columns = names.map((n) => table.getChild(n)!.toArray() as ArrayLike<unknown>);
  const rows: Row[] = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) {
    const row: Row = {};
    for (let j = 0; j < names.length; j++) row[names[j]] = columns[j][i];
    rows[i] = row;
  }
  return rows;
}

export function columnsFromIPC(data: unknown): string[] {
  const bytes = bytesOf(data);
  if (!bytes || bytes.byteLength === 0) return [];
  return tableFromIPC(bytes).schema.fields.map((f) => f.name);
}
