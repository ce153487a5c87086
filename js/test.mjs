// Unit tests of the front end's pure parts (js/test/*.test.ts) with node's own test runner:
// esbuild bundles each test file for node (the TypeScript sources it imports included), then
// `node --test` runs the bundles. No browser: what needs one is tested in tests/ui.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const tests = readdirSync(path.join(here, "test")).filter((f) => f.endsWith(".test.ts"));
if (!tests.length) throw new Error("no js/test/*.test.ts found");
const out = mkdtempSync(path.join(tmpdir(), "vecstore-lab-js-tests-"));
try {
  await build({
    entryPoints: tests.map((f) => path.join(here, "test", f)),
    outdir: out,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: ["node18"],
    loader: { ".css": "text" },
    logLevel: "warning",
  });
  const files = readdirSync(out).map((f) => path.join(out, f));
  const run = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...files], { stdio: "inherit" });
  process.exitCode = run.status ?? 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
