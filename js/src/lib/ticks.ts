// Ticks of the telemetry charts' log axes: powers of ten, as many as the axis has room for.

/** Room one tick label ("0.01 ms", "10 s") needs along a horizontal axis, in pixels. */
export const TICK_ROOM = 64;

/** Powers of ten around the values: every decade while `room` pixels give each label
 * TICK_ROOM, else every second, third… decade, from the one below the smallest value to the
 * first at or above the largest (a 0.01 ms cache hit and a 10 s ingest on one narrow axis).
 * The first and last ticks bound the values, so they can serve as the axis's domain. */
export function logTicks(values: number[], room = Infinity): number[] {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  if (!positive.length) return [0.1, 1, 10];
  const lo = Math.floor(Math.log10(Math.min(...positive)));
  const hi = Math.max(Math.ceil(Math.log10(Math.max(...positive))), lo + 1);
  const most = Math.max(2, Math.floor(room / TICK_ROOM));
  const step = Math.max(1, Math.ceil((hi - lo) / (most - 1)));
  const ticks: number[] = [];
  for (let e = lo; ; e += step) {
    ticks.push(10 ** e);
    if (e >= hi) return ticks;
  }
}
