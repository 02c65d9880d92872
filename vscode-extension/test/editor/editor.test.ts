// The packaged extension in a real VS Code (code-server + Chromium): everything is asserted
// through what the page shows, as a person would see it.

import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import type { Locator } from "playwright-core";

import { DEF_KERNEL_LINE, FILE, FMA_LINE, SIGNATURE, TEMPLATE } from "./fixtures";
import { Editor, poll } from "./harness";

const NAMES = 'names_str="X, W, Bias, Y"';
const BROKEN_NAMES = 'names_str="X, W, Y"';

/** The text a locator shows, with the editor's non-breaking spaces as spaces. */
async function text(locator: Locator): Promise<string> {
  return ((await locator.first().textContent()) ?? "").replace(/\u00a0/g, " ");
}

describe("rocm-lsp in VS Code (code-server)", { timeout: 600_000 }, () => {
  const editor = new Editor("trusted", { files: { [FILE]: TEMPLATE } });

  before(async () => {
    await editor.start();
    await editor.openFile(FILE);
  });

  after(async () => {
    await editor.stop();
  });

  test("the status item shows the template's profile and the GPU backend once the server is up", async () => {
    await editor.step("status", async () => {
      const item = editor.statusItem("seed · ");
      await poll("the rocm-lsp status item", async () => item.isVisible(), 60_000);
      assert.match((await item.textContent()) ?? "", /seed · (nvcc|hipcc|clang|none)/);
    });
  });

  test("hover on def_kernel shows the exported C++ signature", async () => {
    await editor.step("hover", async () => {
      await editor.goToLine(DEF_KERNEL_LINE);
      const hover = await editor.hoverUntil(editor.token("def_kernel"), SIGNATURE);
      assert.match((await hover.textContent()) ?? "", /Parameters/);
      await editor.screenshot("hover");
    });
  });

  test("Preview C++, Compile and Benchmark lenses stand over def_kernel", async () => {
    await editor.step("lenses", async () => {
      await editor.page.mouse.move(5, 5);
      await editor.page.keyboard.press("Escape");
      const lenses = editor.editor().locator(".codelens-decoration");
      await poll("the code lenses", async () => (await lenses.filter({ hasText: "Preview C++" }).count()) > 0);
      const text = (await lenses.filter({ hasText: "Preview C++" }).first().textContent()) ?? "";
      assert.match(text, /Preview C\+\+.*Compile.*Benchmark/s);
      const titleActions = editor.page.locator(".editor-group-container.active .editor-actions");
      for (const action of ["Preview Generated C++", "Compile Template", "Benchmark Template"]) {
        assert.equal(await titleActions.locator(`[aria-label*="${action}"]`).count(), 1, `${action} in the editor title`);
      }
      await editor.screenshot("lenses");
    });
  });

  test("the Preview C++ lens opens the generated C++ beside the template", async () => {
    await editor.step("preview", async () => {
      await editor.editor().locator(".codelens-decoration a", { hasText: "Preview C++" }).first().click();
      const tab = editor.page.locator(".tab", { hasText: ".generated.hip.cpp" });
      await tab.first().waitFor({ timeout: 30_000 });
      assert.equal(await editor.page.locator(".editor-group-container").count(), 2, "opened beside, in a second group");
      const group = editor.page.locator(".editor-group-container", { has: tab });
      await poll("the generated C++ text", async () => text(group).then((t) => t.includes("#include <hip/hip_runtime.h>")));
      // the template keeps the focus
      assert.equal(await editor.page.locator(".editor-group-container.active .tab.active", { hasText: FILE }).count(), 1);
      // the exported function, found in the generated file as a person would (Find)
      await group.locator(".view-lines").click();
      await editor.page.keyboard.press("Control+f");
      await group.locator(".find-widget .find-part textarea").fill("PT_EXPORT int gemm_bias_fp16(");
      await editor.page.keyboard.press("Enter");
      await poll("the exported signature in the generated C++", async () => text(group).then((t) => t.includes(SIGNATURE)));
      await editor.page.keyboard.press("Escape");
      await editor.page.keyboard.press("Control+1"); // back to the template
      await editor.screenshot("preview");
      await editor.runCommand("View: Close Editors in Other Groups");
      await poll("one editor group again", async () => (await editor.page.locator(".editor-group-container").count()) === 1);
    });
  });

  test("a names_str arity mistake is squiggled and listed in Problems as RL201; fixing it clears both", async () => {
    await editor.step("diagnostics", async () => {
      const page = editor.page;
      await editor.replaceAll(NAMES, BROKEN_NAMES);
      const squiggle = editor.editor().locator(".squiggly-error");
      await poll("an error squiggle", async () => (await squiggle.count()) > 0);

      await page.keyboard.press("Control+Shift+m");
      const problems = page.locator(".markers-panel");
      await poll("RL201 in the Problems panel", async () => ((await problems.textContent()) ?? "").includes("RL201"));
      assert.match((await problems.textContent()) ?? "", /names_str lists 3 names \(X, W, Y\) but def_kernel got 3 inputs \+ 1 output/);
      await page.keyboard.press("Control+1");
      await editor.goToLine(DEF_KERNEL_LINE);
      await editor.hoverUntil(squiggle.first(), "RL201");
      await editor.screenshot("diagnostics");

      await editor.replaceAll(BROKEN_NAMES, NAMES);
      await poll("the squiggle to clear", async () => (await squiggle.count()) === 0);
      await poll("Problems to clear", async () => !((await problems.textContent()) ?? "").includes("RL201"));
    });
  });

  test("Select Profile switches the profile live; the status item follows", async () => {
    await editor.step("profile", async () => {
      await editor.runCommand("rocm-lsp: Select Profile", "rocm-2.13");
      await poll("the status item to show rocm-2.13", async () => editor.statusItem("rocm-2.13 · ").isVisible());
      await editor.screenshot("profile");
      await editor.runCommand("rocm-lsp: Select Profile", "From each template's header");
      await poll("the status item to show seed again", async () => editor.statusItem("seed · ").isVisible());
    });
  });

  test("the Compile lens runs the server's compile and shows the outcome", async () => {
    await editor.step("compile", async () => {
      await editor.goToLine(DEF_KERNEL_LINE);
      await editor.editor().locator(".codelens-decoration a", { hasText: /^Compile$/ }).first().click();
      const outcome = editor.editor().locator(".codelens-decoration a", { hasText: /^Compile[ :]/ });
      await poll("the Compile lens to show an outcome", async () => (await outcome.count()) > 0, 180_000);
      const backend = /· (\w+)/.exec((await editor.statusItem(" · ").first().textContent()) ?? "")?.[1];
      // with a compiler here (CI has nvcc) the server compiled: ✓ or ✗; without one it says so
      assert.match((await outcome.first().textContent()) ?? "", backend === "none" ? /Compile: not compiled/ : /Compile [✓✗]/);
      const message = editor.page.locator(".notifications-toasts", { hasText: "rocm-lsp:" });
      await poll("the outcome notification", async () => message.isVisible());
      await editor.screenshot("compile");
    });
  });

  test("Show Instructions of This Line opens the gfx942 ISA at the line; Compare Targets the side-by-side table", async () => {
    await editor.step("assembly", async () => {
      assert.ok(FMA_LINE > 0, "the fixture has its inner-product line");
      await editor.goToLine(FMA_LINE);
      await editor.runCommand("rocm-lsp: Show Instructions of This Line");
      const tab = editor.page.locator(".tab", { hasText: ".gfx942.s" });
      await tab.first().waitFor({ timeout: 180_000 });
      const group = editor.page.locator(".editor-group-container", { has: tab });
      // the view opens beside, scrolled to the first block of the template line, under its heading
      await poll("the line's heading in the ISA view", async () => text(group).then((t) => t.includes(`${FILE}:${FMA_LINE} ──`)));
      const shown = await text(group);
      assert.match(shown, /acc\[i\]\[j\] = fmaf\(a\[i\], b\[j\], acc\[i\]\[j\]\);/, "the heading quotes the template line");
      assert.match(shown, /v_(pk_)?fma/, "AMD FMA instructions under it");
      await editor.screenshot("assembly-line");
      await editor.page.keyboard.press("Control+1"); // the view took the focus: back to the template
      await editor.runCommand("View: Close Editors in Other Groups");
      await poll("one editor group again", async () => (await editor.page.locator(".editor-group-container").count()) === 1);

      await editor.runCommand("rocm-lsp: Compare Targets");
      const table = editor.page.locator(".tab", { hasText: ".targets.md" });
      await table.first().waitFor({ timeout: 180_000 });
      const tableGroup = editor.page.locator(".editor-group-container", { has: table });
      await poll("the gfx942 and gfx950 rows", async () => text(tableGroup).then((t) => t.includes("| gfx942 |") && t.includes("| gfx950 |")));
      assert.match(await text(tableGroup), /## `gemm_fp16_f32acc<true, false>`/);
      await editor.screenshot("compare-targets");
      await editor.runCommand("View: Close Editors in Other Groups");
      await poll("one editor group again", async () => (await editor.page.locator(".editor-group-container").count()) === 1);
    });
  });

  test("completion after kernel. offers def_kernel", async () => {
    await editor.step("completion", async () => {
      await editor.goToLine(DEF_KERNEL_LINE);
      const page = editor.page;
      await page.keyboard.press("Home");
      await page.keyboard.press("Enter");
      await page.keyboard.press("ArrowUp");
      await page.keyboard.type("{{ kernel.");
      const suggestions = page.locator(".suggest-widget .monaco-list-row", { hasText: "def_kernel" });
      await poll("def_kernel among the suggestions", async () => suggestions.first().isVisible());
      await editor.screenshot("completion");
      await page.keyboard.press("Escape");
    });
  });
});
