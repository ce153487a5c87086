// Bundles each widget's front end (js/src/<widget>.ts) into vecstore_lab/static/<widget>.js.
// ESM, minified, no CDN imports; `define.amd = false` keeps UMD code inside the bundle from
// clashing with the classic notebook's AMD loader.
import { build } from "esbuild";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
// One bundle per widget: every js/src/<widget>.ts is an entry point (shared code is in lib/).
// This directory is the one list of bundles; pyproject's ensured-targets and the widget
// classes' _bundle names are tested against it.
const widgets = readdirSync(path.join(here, "src"))
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
  .map((f) => f.slice(0, -3));

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
