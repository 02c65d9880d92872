// Bundles the extension (dist/extension.js, `vscode` left to the editor) and, with --tests,
// the node test files (out/test/**.test.js).
import { readdirSync } from "node:fs";
import { build } from "esbuild";

const production = process.argv.includes("--production");
const tests = process.argv.includes("--tests");

await build({
  entryPoints: ["src/extension.ts"],
  bundle: true,
  outfile: "dist/extension.js",
  external: ["vscode"],
  format: "cjs",
  platform: "node",
  target: "node18",
  sourcemap: !production,
  minify: production,
  logLevel: "warning",
});

if (tests) {
  const entryPoints = ["unit", "editor"].flatMap((dir) =>
    readdirSync(`test/${dir}`)
      .filter((name) => name.endsWith(".test.ts"))
      .map((name) => `test/${dir}/${name}`),
  );
  await build({
    entryPoints,
    bundle: true,
    outdir: "out/test",
    outbase: "test",
    external: ["vscode", "playwright-core", "vscode-textmate", "vscode-oniguruma"],
    format: "cjs",
    platform: "node",
    target: "node20",
    sourcemap: "inline",
    logLevel: "warning",
  });
}
