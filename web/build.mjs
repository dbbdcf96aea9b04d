// Bundles src/ into ../ChatService/wwwroot: index.html, favicon.svg, app.js, app.css. The output depends only on
// the sources and the pinned tool versions (no timestamps, hashes of absolute paths or source maps),
// so CI can rebuild and `git diff --exit-code` the committed bundle.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "ChatService", "wwwroot");

await mkdir(out, { recursive: true });
for (const name of await readdir(out)) {
  await rm(join(out, name), { recursive: true, force: true });
}

const result = await build({
  absWorkingDir: here,
  entryPoints: { app: "src/main.ts" },
  outdir: out,
  bundle: true,
  format: "esm",
  target: ["es2022"],
  platform: "browser",
  minify: true,
  legalComments: "none",
  sourcemap: false,
  charset: "utf8",
  metafile: true,
  logLevel: "warning",
});
await copyFile(join(here, "src", "favicon.svg"), join(out, "favicon.svg"));

// The server sends no Cache-Control, so index.html names each asset with a hash of its content:
// a new bundle is never mixed with a cached old one.
let html = await readFile(join(here, "src", "index.html"), "utf8");
for (const asset of ["app.js", "app.css"]) {
  const hash = createHash("sha256").update(await readFile(join(out, asset))).digest("hex").slice(0, 12);
  html = html.replace(`"${asset}"`, `"${asset}?v=${hash}"`);
}
await writeFile(join(out, "index.html"), html);

for (const [file, info] of Object.entries(result.metafile.outputs)) {
  console.log(`${file.replace(/^.*wwwroot\//, "wwwroot/")}  ${info.bytes} bytes`);
}
