// Restricted Mode (workspace trust on, the folder not trusted): the server still analyses,
// but Compile and Benchmark refuse with an explanation, from lenses and from the title bar.

import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { DEF_KERNEL_LINE, FILE, TEMPLATE } from "./fixtures";
import { Editor, poll } from "./harness";

describe("rocm-lsp in Restricted Mode", { timeout: 300_000 }, () => {
  const editor = new Editor("restricted", {
    files: { [FILE]: TEMPLATE, "ordinary.py": "def add(a, b):\n    return a + b\n" },
    trust: true,
    settings: { "security.workspace.trust.startupPrompt": "never" },
  });

  before(async () => {
    await editor.start();
    await editor.page.locator(".statusbar-item", { hasText: "Restricted Mode" }).first().waitFor({ timeout: 30_000 });
    await editor.openFile(FILE);
  });

  after(async () => {
    await editor.stop();
  });

  test("the server runs: status item and lenses, with Compile and Benchmark marked", async () => {
    await editor.step("restricted-lenses", async () => {
      await poll("the rocm-lsp status item", async () => editor.statusItem("seed · ").isVisible(), 60_000);
      await editor.goToLine(DEF_KERNEL_LINE);
      const lens = editor.editor().locator(".codelens-decoration", { hasText: "Preview C++" });
      await poll("the code lenses", async () => (await lens.count()) > 0);
      assert.match((await lens.first().textContent()) ?? "", /Compile \(Restricted Mode\).*Benchmark \(Restricted Mode\)/s);
      const titleActions = editor.page.locator(".editor-group-container.active .editor-actions");
      assert.equal(await titleActions.locator('[aria-label*="Preview Generated C++"]').count(), 1);
      assert.equal(await titleActions.locator('[aria-label*="Compile Template"]').count(), 0, "no Compile button in Restricted Mode");
      assert.equal(await titleActions.locator('[aria-label*="Benchmark Template"]').count(), 0);
    });
  });

  test("the Compile lens refuses and says why", async () => {
    await editor.step("restricted-compile", async () => {
      await editor.editor().locator(".codelens-decoration a", { hasText: "Compile (Restricted Mode)" }).first().click();
      const toast = editor.page.locator(".notifications-toasts", { hasText: "does not compile, benchmark, tune, show assembly, compare targets or render with torch in Restricted Mode" });
      await poll("the explanation", async () => toast.isVisible());
      assert.equal(await toast.locator(".monaco-button", { hasText: "Manage Workspace Trust" }).count(), 1);
      await editor.screenshot("compile-refused");
      // nothing was compiled: the lens still offers the restricted action
      assert.equal(await editor.editor().locator(".codelens-decoration a", { hasText: "Compile (Restricted Mode)" }).count(), 1);
    });
  });

  test("an ordinary Python file stays silent", async () => {
    await editor.step("python", async () => {
      await editor.openFile("ordinary.py");
      await editor.page.keyboard.press("Control+Shift+m");
      const problems = editor.page.locator(".markers-panel");
      await problems.waitFor();
      await new Promise((resolve) => setTimeout(resolve, 1000)); // a wrong diagnostic would arrive in ~100 ms
      assert.match((await problems.textContent()) ?? "", /No problems have been detected/);
      assert.equal(await editor.statusItem("seed · ").count(), 0, "the status item is for templates");
    });
  });
});
