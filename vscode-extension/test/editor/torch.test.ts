// Preview C++ with torch in a real VS Code, as a PyTorch maintainer meets it: a copy of torch
// 2.13's CK-tile template module in the workspace, the palette command, an op choice picked by
// its name, the generated C++ beside the module (exactly what `rocm-lsp render-py` prints),
// rendered again after an edit to the template string is saved, and a planted mistake, saved,
// in Problems as RL408. The Python with torch is the oracle's (scripts/setup-oracle.sh).

import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";

import type { Locator } from "playwright-core";

import { Editor, paths, poll } from "./harness";

const ORACLE = process.env.ROCM_LSP_ORACLE_PYTHON ?? path.join(paths.repo, ".oracle/bin/python");
const MODULE = "ck_tile_universal_gemm_template.py";
const RELATIVE = `torch/_inductor/codegen/rocm/${MODULE}`;
const CLASS = "CKTileGemmTemplate";
const CHOICE = 3; // picked by its index, the item's label (names repeat: 112 choices, 14 names)
const LINE = "constexpr bool permuteA = false;";
const EDITED = `${LINE} // edited`;
const PLANTED = "constexpr bool permuteA = {{ no_such_value }};";

function run(command: string, args: string[]): string {
  const done = spawnSync(command, args, { encoding: "utf8", timeout: 300_000, maxBuffer: 64 << 20 });
  if (done.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed (${done.status}): ${done.stderr}`);
  }
  return done.stdout;
}

/** torch's own module text, read from the oracle's torch without importing it. */
function torchModule(): string {
  if (!fs.existsSync(ORACLE)) {
    throw new Error(`no Python with torch 2.13 at ${ORACLE}: run scripts/setup-oracle.sh (scripts/test.sh does)`);
  }
  const spec = "import importlib.util; print(importlib.util.find_spec('torch').submodule_search_locations[0])";
  const torchDir = run(ORACLE, ["-c", spec]).trim();
  return fs.readFileSync(path.join(torchDir, "_inductor/codegen/rocm", MODULE), "utf8");
}

/** The text of the preview file the server wrote (in the test's cache directory), or "". */
function previewText(editor: Editor): string {
  const folder = path.join(path.dirname(editor.workspace), "rocm-lsp-cache", "preview");
  const found = fs.existsSync(folder) ? fs.readdirSync(folder).filter((n) => n.endsWith(`.${CLASS}.generated.hip.cpp`)) : [];
  return found.length === 1 ? fs.readFileSync(path.join(folder, found[0]), "utf8") : "";
}

async function text(locator: Locator): Promise<string> {
  return ((await locator.first().textContent()) ?? "").replace(/\u00a0/g, " ");
}

describe("Preview C++ with torch in VS Code (code-server)", { timeout: 600_000 }, () => {
  const source = torchModule();
  const editor = new Editor("torch", {
    files: { [RELATIVE]: source },
    settings: { "rocmLsp.benchmarkInterpreter": ORACLE },
  });
  let expected = "";

  before(async () => {
    await editor.start();
    const file = path.join(editor.workspace, RELATIVE);
    const rocmLsp = path.join(paths.repo, ".venv/bin/rocm-lsp");
    expected = run(rocmLsp, ["render-py", `${file}::${CLASS}`, "--python", ORACLE, "--choice", String(CHOICE)]);
    await editor.quickOpen(MODULE);
  });

  after(async () => {
    await editor.stop();
  });

  test("the command renders the picked choice beside the module; a saved edit renders again; a planted mistake is RL408", async () => {
    await editor.step("torch-preview", async () => {
      const page = editor.page;
      const lenses = editor.editor().locator(".codelens-decoration");
      await poll("the Preview C++ with torch lens", async () => (await lenses.filter({ hasText: "Preview C++ with torch" }).count()) > 0, 60_000);

      await editor.runCommand("rocm-lsp: Preview C++ with torch…", String(CHOICE));
      const tab = page.locator(".tab", { hasText: `${CLASS}.generated.hip.cpp` });
      await tab.first().waitFor({ timeout: 120_000 });
      const group = page.locator(".editor-group-container", { has: tab });
      await poll("the generated C++", async () => text(group).then((t) => t.includes("Generated code for CK inductor backend")));
      assert.equal(expected.split(`        ${LINE}\n`).length, 2, "render-py's output has the line this test edits, once");
      await poll("the preview file to be exactly render-py's output", async () => previewText(editor) === expected);
      await editor.screenshot("torch-preview");

      // an edit to the template string, saved: the preview follows
      await page.keyboard.press("Control+1");
      await editor.replaceAll(LINE, EDITED);
      await page.keyboard.press("Control+s");
      const edited = expected.replace(`        ${LINE}\n`, `        ${EDITED}\n`);
      await poll("the preview file rendered again with the edit", async () => previewText(editor) === edited, 120_000);
      // and the open preview shows it (found as a person would, with Find)
      await group.locator(".view-lines").click();
      await poll("the edit in the open preview", async () => {
        await page.keyboard.press("Control+f");
        await group.locator(".find-widget .find-part textarea").fill(EDITED);
        await page.keyboard.press("Enter");
        return text(group.locator(".view-lines")).then((t) => t.includes(EDITED));
      });
      await page.keyboard.press("Escape");
      await editor.screenshot("torch-preview-edited");

      // a planted mistake, saved: RL408 in Problems, with Inductor's (Jinja's) own message
      await page.keyboard.press("Control+1");
      await editor.replaceAll(EDITED, PLANTED);
      await page.keyboard.press("Control+s");
      await page.keyboard.press("Control+Shift+m");
      const problems = page.locator(".markers-panel");
      await poll("RL408 in the Problems panel", async () => ((await problems.textContent()) ?? "").includes("RL408"), 120_000);
      assert.match((await problems.textContent()) ?? "", /CKTileGemmTemplate: UndefinedError: 'no_such_value' is undefined/);
      const row = source.slice(0, source.indexOf(LINE)).split("\n").length;
      assert.match((await problems.textContent()) ?? "", new RegExp(`\\[Ln ${row}, Col \\d+\\]`));
      await poll("the preview file to say why", async () => previewText(editor) === "// rocm-lsp: not rendered (render): UndefinedError: 'no_such_value' is undefined\n");
      await editor.screenshot("torch-preview-rl408");
    });
  });
});
