import { test } from "node:test";
import assert from "node:assert/strict";
import { wordPattern } from "../src/lib/dom";
import { request } from "../src/lib/rpc";
import { logTicks } from "../src/lib/ticks";

test("marked words match whole words only, in any case, with regex characters escaped", () => {
  const pattern = wordPattern(["cat", "c++"])!;
  const found = (text: string) => Array.from(text.matchAll(pattern), (m) => m[0]);
  assert.deepEqual(found("The Cat, a cat; cats and concat"), ["Cat", "cat"]);
  assert.deepEqual(found("c++ and c+"), ["c++"]);
  assert.deepEqual(found("théâtre cat"), ["cat"]);
  assert.equal(wordPattern([]), null);
  assert.deepEqual(Array.from("their the".matchAll(wordPattern(["the"])!), (m) => m.index), [6]);
});

/** A widget model as anywidget hands it to a view: custom messages both ways. */
class Model {
  sent: any[] = [];
  handlers = new Set<(msg: any, buffers: DataView[]) => void>();
  on(_event: string, h: (msg: any, buffers: DataView[]) => void) { this.handlers.add(h); }
  off(_event: string, h: (msg: any, buffers: DataView[]) => void) { this.handlers.delete(h); }
  send(msg: any) { this.sent.push(msg); }
  reply(msg: any, buffers: DataView[] = []) { for (const h of [...this.handlers]) h(msg, buffers); }
  get() { return undefined; }
  set() {}
  save_changes() {}
}

test("a request resolves with the reply carrying its id, and ignores others", async () => {
  const model = new Model();
  const pending = request(model as any, "search", { query: "moon" });
  const [sent] = model.sent;
  assert.deepEqual([sent.type, sent.method, sent.params], ["request", "search", { query: "moon" }]);
  model.reply({ type: "response", id: "someone-else", ok: true, hits: 1 });
  const buffer = new DataView(new ArrayBuffer(4));
  model.reply({ type: "response", id: sent.id, ok: true, hits: 3 }, [buffer]);
  const { reply, buffers } = await pending;
  assert.equal(reply.hits, 3);
  assert.equal(buffers[0], buffer);
  assert.equal(model.handlers.size, 0); // its listener is gone
});

test("a lost reply times out with the method named, and an abort rejects at once", async () => {
  const model = new Model();
  await assert.rejects(request(model as any, "page", {}, { timeoutMs: 20 }), /"page" within 0.02 s/);
  const abort = new AbortController();
  const pending = request(model as any, "point", {}, { signal: abort.signal });
  abort.abort();
  await assert.rejects(pending, /aborted/);
  assert.equal(model.handlers.size, 0);
});

test("two requests in flight get their own replies", async () => {
  const model = new Model();
  const a = request(model as any, "x", {});
  const b = request(model as any, "y", {});
  const [ma, mb] = model.sent;
  assert.notEqual(ma.id, mb.id);
  model.reply({ type: "response", id: mb.id, ok: true, n: "b" });
  model.reply({ type: "response", id: ma.id, ok: false, error: "boom" });
  assert.deepEqual([(await a).reply.error, (await b).reply.n], ["boom", "b"]);
});

test("log ticks are every decade when there is room, and thin out on a narrow axis", () => {
  assert.deepEqual(logTicks([2, 40]), [1, 10, 100]);
  assert.deepEqual(logTicks([5]), [1, 10]);
  assert.deepEqual(logTicks([]), [0.1, 1, 10]);
  // a 0.09 ms cache hit and a 2.5 s ingest: seven decades, on 250 px room for three labels
  const wide = logTicks([0.09, 2500]);
  assert.equal(wide.length, 7);
  assert.ok(Math.abs(wide[0] - 0.01) < 1e-12 && wide[6] === 10000, String(wide));
  const narrow = logTicks([0.09, 2500], 250);
  assert.equal(narrow.length, 3);
  assert.ok(narrow[0] <= 0.09 && narrow[narrow.length - 1] >= 2500, String(narrow));
  assert.ok(logTicks([0.09, 2500], 64 * 7).length === 7);
});
