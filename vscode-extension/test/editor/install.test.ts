// An interpreter without rocm-lsp: the extension says so, offers to install it (never silently),
// and after Install (pip, from rocmLsp.installSource = this checkout) the server runs.

import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";

import { Editor, paths, poll } from "./harness";

const FILE = "gemm_bias_fp16.hip.jinja";
const VENV = fs.mkdtempSync(path.join(os.tmpdir(), "rocm-lsp-editor-venv-"));
const PYTHON = path.join(VENV, "bin/python");

describe("installing the server from the editor", { timeout: 600_000 }, () => {
  const editor = new Editor("install", {
    files: { [FILE]: fs.readFileSync(path.join(paths.repo, "templates", FILE), "utf8") },
    settings: { "rocmLsp.interpreter": PYTHON, "rocmLsp.installSource": paths.repo },
  });

  before(async () => {
    const made = spawnSync("python3", ["-m", "venv", VENV], { encoding: "utf8" });
    assert.equal(made.status, 0, made.stderr);
    await editor.start();
  });

  after(async () => {
    await editor.stop();
    fs.rmSync(VENV, { recursive: true, force: true });
  });

  test("a missing server is reported with an Install button, and nothing is installed before the click", async () => {
    await editor.step("install-offer", async () => {
      await editor.openFile(FILE);
      const offer = editor.page.locator(".notifications-toasts .notification-toast", { hasText: "rocm-lsp is not installed in" });
      await poll("the install offer", async () => offer.isVisible(), 60_000);
      assert.match((await offer.textContent()) ?? "", new RegExp(`${PYTHON.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
      await editor.statusItem("not installed").first().waitFor();
      const probe = spawnSync(PYTHON, ["-c", "import rocm_lsp"]);
      assert.notEqual(probe.status, 0, "rocm_lsp must not be installed before Install is clicked");
      await editor.screenshot("install-offer");
    });
  });

  test("Install runs pip into that interpreter and starts the server", async () => {
    await editor.step("install", async () => {
      const offer = editor.page.locator(".notifications-toasts .notification-toast", { hasText: "rocm-lsp is not installed in" });
      await offer.locator(".monaco-button", { hasText: /^Install$/ }).click();
      await poll("the server to run in the new interpreter", async () => editor.statusItem("seed · ").isVisible(), 300_000);
      assert.equal(spawnSync(PYTHON, ["-c", "import rocm_lsp"]).status, 0);
      await editor.statusItem("seed · ").hover();
      const tooltip = editor.page.locator(".monaco-hover:not(.hidden)", { hasText: "interpreter:" });
      await poll("the status tooltip", async () => tooltip.first().isVisible());
      assert.ok(((await tooltip.first().textContent()) ?? "").includes(PYTHON));
    });
  });
});
