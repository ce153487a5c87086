// Builds the whole front end:
// 1. each widget (js/src/<widget>.ts) into vecstore_lab/static/<widget>.js: ESM, minified, no
//    CDN imports; `define.amd = false` keeps UMD code inside the bundle from clashing with the
//    classic notebook's AMD loader;
// 2. the JupyterLab extension (js/src/lab/{index,mime}.ts) into lib/, with JupyterLab's and
//    Lumino's packages left as imports, then @jupyterlab/builder turns lib/ into the prebuilt
//    (federated) extension in vecstore_lab/labextension, where those packages are shared with
//    JupyterLab itself. The builder needs JupyterLab's core metadata: @jupyterlab/core-meta
//    carries it, so no Python JupyterLab has to be installed first.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, copyFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
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

await build({
  entryPoints: ["index", "mime"].map((e) => path.join(here, "src", "lab", `${e}.ts`)),
  outdir: path.join(here, "lib"),
  bundle: true,
  format: "esm",
  target: ["es2020"],
  external: ["@jupyterlab/*", "@lumino/*"],
  loader: { ".css": "text" },
  logLevel: "info",
});

const core = mkdtempSync(path.join(tmpdir(), "vecstore-lab-core-"));
try {
  copyFileSync(require.resolve("@jupyterlab/core-meta/core.package.json"), path.join(core, "package.json"));
  const builder = require.resolve("@jupyterlab/builder/lib/build-labextension.js");
  const run = spawnSync(process.execPath, [builder, "--core-path", core, here], { stdio: "inherit" });
  if (run.status !== 0) process.exit(run.status ?? 1);
} finally {
  rmSync(core, { recursive: true, force: true });
}
