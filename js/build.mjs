// Bundles each widget's front end (js/src/<widget>.ts) into vecstore_lab/static/<widget>.js.
// ESM, minified, no CDN imports; `define.amd = false` keeps UMD code inside the bundle from
// clashing with the classic notebook's AMD loader.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const widgets = ["search", "telemetry", "browser", "embedding_map", "eval"];

await build({
  entryPoints: widgets.map((w) => path.join(here, "src", `${w}.ts`)),
  outdir: path.join(here, "..", "vecstore_lab", "static"),
  bundle: true,
  format: "esm",
  minify: true,
  target: ["es2020"],
  define: { "define.amd": "false" },
  loader: { ".css": "text" },
  logLevel: "info",
});
