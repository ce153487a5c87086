// Request/response over the widget's custom messages: JS asks, Python answers.
// A request carries an id; the reply carries the same id and either ok=true (plus data and
// Arrow IPC in buffers) or ok=false with an error message. A timeout (default 60 s, not
// anywidget's 3 s) and an AbortSignal keep a lost reply from hanging the view.
import type { AnyModel } from "@anywidget/types";

export interface Reply {
  ok: boolean;
  error?: string;
  [key: string]: unknown;
}

let counter = 0;

export function request(
  model: AnyModel<any>,
  method: string,
  params: Record<string, unknown>,
  { timeoutMs = 60_000, signal }: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<{ reply: Reply; buffers: DataView[] }> {
  const id = `${Date.now().toString(36)}-${(counter++).toString(36)}`;
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      model.off("msg:custom", onMsg);
      signal?.removeEventListener("abort", onAbort);
    };
    const onMsg = (msg: any, buffers: DataView[]) => {
      if (!msg || msg.type !== "response" || msg.id !== id) return;
      done();
      resolve({ reply: msg as Reply, buffers: buffers ?? [] });
    };
    const onAbort = () => {
      done();
      reject(new Error("request aborted"));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no answer from the kernel to "${method}" within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    model.on("msg:custom", onMsg);
    signal?.addEventListener("abort", onAbort);
    model.send({ type: "request", id, method, params });
  });
}
