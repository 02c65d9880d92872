// Installing the server from the editor, with no rocm-lsp release on PyPI:
//
// - nothing anywhere the extension looks (no rocmLsp.interpreter, a fresh global storage, a PATH
//   whose python3 lacks rocm_lsp): the offer says what Install does; a first Install meets a
//   python3 whose venv module fails as on Debian without python3-venv, and says so; the second
//   (from the status item) makes a private environment in the extension's storage from the wheel
//   packaged in the .vsix (its dependencies from the package index, as pip is configured here);
//   the server runs from it: hover works, and a Compile's error comes back as a squiggle (the
//   server asks VS Code to pull again, workspace/diagnostic/refresh, and VS Code pulls);
// - rocmLsp.interpreter names a Python without rocm-lsp: the offer installs into that one (here
//   rocmLsp.installSource = this checkout, editable).

import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";

import { BROKEN_COLUMN, BROKEN_CPP, BROKEN_FILE, BROKEN_LINE, COMPILE_ERROR, DEF_KERNEL_LINE, FILE, SIGNATURE, TEMPLATE } from "./fixtures";
import { Editor, paths, poll } from "./harness";

const PYTHON_ENV = { VIRTUAL_ENV: undefined, PYTHONPATH: undefined, PYTHONHOME: undefined, CONDA_PREFIX: undefined };

function importsRocmLsp(python: string, env: NodeJS.ProcessEnv): boolean {
  return spawnSync(python, ["-c", "import rocm_lsp"], { env }).status === 0;
}

/** This PATH without the repository's .venv and without any folder whose python3/python has rocm_lsp. */
function pathWithoutRocmLsp(): string {
  const env = { ...process.env, ...PYTHON_ENV };
  const venvBin = path.join(paths.repo, ".venv/bin");
  return (process.env.PATH ?? "")
    .split(":")
    .filter((dir) => dir !== "" && path.resolve(dir) !== venvBin)
    .filter((dir) => ["python3", "python"].every((name) => !fs.existsSync(path.join(dir, name)) || !importsRocmLsp(path.join(dir, name), env)))
    .join(":");
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

async function text(locator: { textContent(): Promise<string | null> }): Promise<string> {
  return ((await locator.textContent()) ?? "").replace(/\u00a0/g, " ");
}

/**
 * A folder with a `python3` that is the first python3 on PATH without rocm_lsp, except that its
 * first `-m venv` fails as Debian's does without the python3-venv package.
 */
function debianPython3(): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "rocm-lsp-editor-python3-"));
  const real = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { env: { ...process.env, PATH: pathWithoutRocmLsp() }, encoding: "utf8" }).stdout.trim();
  const script = `#!/bin/sh
if [ "$1" = "-m" ] && [ "$2" = "venv" ] && [ ! -e "$0.failed" ]; then
  touch "$0.failed"
  mkdir -p "$3/bin"
  cat >&2 <<EOF
The virtual environment was not created successfully because ensurepip is not
available.  On Debian/Ubuntu systems, you need to install the python3-venv
package using the following command.

    apt install python3.11-venv

You may need to use sudo with that command.  After installing the python3-venv
package, recreate your virtual environment.

Failing command: $3/bin/python3
EOF
  exit 1
fi
if [ "$1" = "-c" ]; then # the version check names this python3 as the one to make the venv with
  out=$(${real} "$@") || exit $?
  printf '%s\n' "$out" | sed "2s|.*|$0|"
  exit
fi
exec ${real} "$@"
`;
  fs.writeFileSync(path.join(folder, "python3"), script, { mode: 0o755 });
  return folder;
}

describe("no rocm-lsp anywhere: Install makes a private environment from the bundled wheel", { timeout: 600_000 }, () => {
  const fakeFolder = debianPython3();
  const env = { ...PYTHON_ENV, PATH: `${fakeFolder}:${pathWithoutRocmLsp()}` };
  const editor = new Editor("install", {
    files: { [FILE]: TEMPLATE, [BROKEN_FILE]: BROKEN_CPP },
    interpreter: null,
    env,
    settings: { "rocmLsp.trace.server": "messages" },
  });
  const python3Env = { ...process.env, ...env } as NodeJS.ProcessEnv;
  for (const name of Object.keys(PYTHON_ENV)) {
    delete python3Env[name];
  }
  let venv = "";
  let wheel = "";

  before(async () => {
    const python3 = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { env: python3Env, encoding: "utf8" });
    assert.equal(python3.status, 0, `a python3 on the test's PATH: ${python3.stderr}`);
    assert.equal(importsRocmLsp("python3", python3Env), false, `${python3.stdout.trim()} must not have rocm_lsp`);
    await editor.start();
    venv = path.join(editor.globalStorage, "venv");
    const installed = fs.readdirSync(editor.extensionsDir).find((name) => name.startsWith("rocm-lsp.rocm-lsp-"));
    assert.ok(installed, "the packaged extension is installed");
    const wheels = fs.readdirSync(path.join(editor.extensionsDir, installed, "server-wheel"));
    assert.equal(wheels.length, 1, `one wheel in the .vsix: ${wheels}`);
    wheel = path.join(editor.extensionsDir, installed, "server-wheel", wheels[0]!);
    assert.match(path.basename(wheel), /^rocm_lsp-\d+\.\d+\.\d+-py3-none-any\.whl$/);
  });

  after(async () => {
    await editor.stop();
    fs.rmSync(fakeFolder, { recursive: true, force: true });
  });

  const offer = () => editor.page.locator(".notifications-toasts .notification-toast", { hasText: "rocm-lsp's language server is not installed." });

  test("the offer says what Install does and where; nothing is installed before the click", async () => {
    await editor.step("install-offer", async () => {
      await editor.openFile(FILE);
      await poll("the install offer", async () => offer().isVisible(), 60_000);
      assert.equal(
        await text(offer().locator(".notification-list-item-message")),
        "rocm-lsp's language server is not installed. Install creates a private Python environment for it in " +
          `the extension's storage (${venv}) and installs the server wheel bundled with this extension there; pip ` +
          "fetches its dependencies from your package index. Your own Python is not touched. To use it instead, " +
          "set rocmLsp.interpreter to a Python that has rocm-lsp.",
      );
      assert.deepEqual(await offer().locator(".monaco-button").allTextContents(), ["Install", "Choose Interpreter", "Show Log"]);
      await editor.statusItem("not installed").first().waitFor();
      assert.equal(fs.existsSync(venv), false, "no private environment before Install is clicked");
      await editor.screenshot("install-offer");
    });
  });

  test("a python3 whose venv fails (Debian without python3-venv): the message says so, Show Log has the output, nothing is left", async () => {
    await editor.step("install-venv-failed", async () => {
      await offer().locator(".monaco-button", { hasText: /^Install$/ }).click();
      const failure = editor.page.locator(".notifications-toasts .notification-toast", { hasText: "could not create the private environment" });
      await poll("the failure message", async () => failure.isVisible(), 60_000);
      const python3 = path.join(fakeFolder, "python3");
      assert.equal(
        await text(failure.locator(".notification-list-item-message")),
        `rocm-lsp: could not create the private environment with ${python3} -m venv (exit code 1: Failing command: ${venv}/bin/python3). ` +
          "This Python lacks the venv module's pip: on Debian and Ubuntu install the python3-venv package (sudo apt install python3-venv), then try again.",
      );
      assert.deepEqual(await failure.locator(".monaco-button").allTextContents(), ["Show Log"]);
      assert.equal(fs.existsSync(venv), false, "the half-made venv is removed");
      await editor.screenshot("install-venv-failed");
      await failure.locator(".monaco-button", { hasText: "Show Log" }).click();
      const output = editor.page.locator(".part.panel .view-lines");
      await poll("the venv's error in the rocm-lsp output", async () => (await text(output.first())).includes("ensurepip is not"), 30_000);
      await editor.statusItem("not installed").first().waitFor();
    });
  });

  test("Install again (the status item) makes the venv in the extension's storage, pip installs the bundled wheel there, the server runs from it", async () => {
    await editor.step("install", async () => {
      await editor.statusItem("not installed").first().click();
      const progress = editor.page.locator(".notifications-toasts .notification-toast", { hasText: "Installing rocm-lsp" });
      const pipStep = `Installing rocm-lsp: pip: installing ${path.basename(wheel)} and its dependencies`;
      await poll("the progress notification at the pip step", async () => (await text(progress.first())).includes(pipStep), 120_000);
      await editor.screenshot("install-progress");
      await poll("the server to run from the private environment", async () => editor.statusItem("seed · ").isVisible(), 300_000);

      const python = path.join(venv, "bin/python");
      const where = spawnSync(python, ["-c", "import rocm_lsp; print(rocm_lsp.__file__)"], { encoding: "utf8" });
      assert.equal(where.status, 0, where.stderr);
      assert.ok(where.stdout.trim().startsWith(path.join(venv, "lib")), `rocm_lsp installed into the venv, not linked to a checkout: ${where.stdout}`);
      const record = JSON.parse(fs.readFileSync(path.join(venv, "rocm-lsp-install.json"), "utf8"));
      assert.equal(record.source, "bundled wheel");
      assert.equal(record.wheel, path.basename(wheel));
      assert.equal(record.sha256, createHash("sha256").update(fs.readFileSync(wheel)).digest("hex"));
      assert.equal(importsRocmLsp("python3", python3Env), false, "the user's python3 is not touched");

      await editor.statusItem("seed · ").hover();
      const tooltip = editor.page.locator(".monaco-hover:not(.hidden)", { hasText: "interpreter:" });
      await poll("the status tooltip", async () => tooltip.first().isVisible());
      assert.ok((await text(tooltip.first())).includes(`interpreter: ${python} (private environment)`), await text(tooltip.first()));
    });
  });

  test("hover on def_kernel shows the generated signature, from the installed server", async () => {
    await editor.step("install-hover", async () => {
      await editor.page.mouse.move(5, 5);
      await editor.page.keyboard.press("Escape");
      await editor.goToLine(DEF_KERNEL_LINE);
      const hover = await editor.hoverUntil(editor.token("def_kernel"), SIGNATURE, 60_000);
      assert.ok((await text(hover)).includes(SIGNATURE));
      assert.match(await text(hover), /Parameters/);
      await editor.screenshot("install-hover");
    });
  });

  test("the Compile lens's compiler error comes back as a squiggle on the template line (refresh, then pull)", async () => {
    await editor.step("compile-squiggle", async () => {
      const page = editor.page;
      await page.mouse.move(5, 5);
      await page.keyboard.press("Escape");
      await editor.openFile(BROKEN_FILE);
      const lens = (title: RegExp) => editor.editor().locator(".codelens-decoration a", { hasText: title });
      await poll("the Compile lens", async () => (await lens(/^Compile$/).count()) > 0, 60_000);
      const squiggle = editor.editor().locator(".squiggly-error");
      assert.equal(await squiggle.count(), 0, "the template itself is fine: no squiggle before compiling");

      await lens(/^Compile$/).first().click();
      await poll("the Compile lens to show the failure", async () => (await lens(/^Compile ✗/).count()) > 0, 180_000);
      assert.equal(await text(lens(/^Compile ✗/).first()), "Compile ✗ 1 error");
      await poll("the compiler's error squiggled", async () => (await squiggle.count()) > 0, 30_000);
      assert.equal(await squiggle.count(), 1);
      // on the line of `int x = undeclared_name;`
      const squiggleBox = await squiggle.first().boundingBox();
      const tokenBox = await editor.token("undeclared_name").boundingBox();
      assert.ok(squiggleBox && tokenBox);
      const middle = squiggleBox.y + squiggleBox.height / 2;
      assert.ok(tokenBox.y <= middle && middle <= tokenBox.y + tokenBox.height, `squiggle at y=${squiggleBox.y}, the line at y=${tokenBox.y}`);

      await page.keyboard.press("Control+Shift+m");
      const rows = page.locator(".markers-panel .monaco-list-row");
      await poll("RL401 in the Problems panel", async () => (await rows.filter({ hasText: "RL401" }).count()) > 0);
      const entries = (await rows.allTextContents()).map((row) => row.replace(/\u00a0/g, " "));
      assert.deepEqual(entries.slice(1).map((row) => row.trim()), [`${COMPILE_ERROR}rocm-lspRL401[Ln ${BROKEN_LINE}, Col ${BROKEN_COLUMN}]`], entries.join(" | "));
      await page.keyboard.press("Control+1");
      await editor.hoverUntil(squiggle.first(), COMPILE_ERROR);
      await editor.screenshot("compile-squiggle");

      // the finding came by pull: the server asked for it (refresh), VS Code pulled the template again
      const trace = await poll("the refresh and the pull in the LSP trace", async () => {
        const log = editor.outputChannelLog("rocm-lsp");
        return log !== undefined && /Received request 'workspace\/diagnostic\/refresh[\s\S]*Sending request 'textDocument\/diagnostic/.test(log) && log;
      });
      assert.doesNotMatch(trace.slice(trace.lastIndexOf("rocm-lsp.compile")), /publishDiagnostics/, "no push after the compile");
    });
  });
});

describe("rocmLsp.interpreter without rocm-lsp: Install into that interpreter", { timeout: 600_000 }, () => {
  const venv = fs.mkdtempSync(path.join(os.tmpdir(), "rocm-lsp-editor-venv-"));
  const python = path.join(venv, "bin/python");
  const editor = new Editor("install-into", {
    files: { [FILE]: TEMPLATE },
    interpreter: python,
    settings: { "rocmLsp.installSource": paths.repo },
  });

  before(async () => {
    const made = spawnSync("python3", ["-m", "venv", venv], { encoding: "utf8" });
    assert.equal(made.status, 0, made.stderr);
    await editor.start();
  });

  after(async () => {
    await editor.stop();
    fs.rmSync(venv, { recursive: true, force: true });
  });

  test("the offer names the interpreter; Install into it runs pip there (the checkout, editable) and starts the server", async () => {
    await editor.step("install-into", async () => {
      await editor.openFile(FILE);
      const offer = editor.page.locator(".notifications-toasts .notification-toast", { hasText: "rocm-lsp is not installed in" });
      await poll("the install offer", async () => offer.isVisible(), 60_000);
      assert.match(await text(offer.locator(".notification-list-item-message")), new RegExp(`^rocm-lsp is not installed in ${escape(python)} \\(rocmLsp\\.interpreter\\)\\. Install it there with pip, from ${escape(paths.repo)} \\(rocmLsp\\.installSource\\)\\?`));
      assert.deepEqual(await offer.locator(".monaco-button").allTextContents(), [`Install into ${python}`, "Choose Interpreter", "Show Log"]);
      assert.equal(importsRocmLsp(python, process.env), false, "rocm_lsp must not be installed before the click");
      await offer.locator(".monaco-button", { hasText: `Install into ${python}` }).click();
      await poll("the server to run in that interpreter", async () => editor.statusItem("seed · ").isVisible(), 300_000);
      const where = spawnSync(python, ["-c", "import rocm_lsp; print(rocm_lsp.__file__)"], { encoding: "utf8" });
      assert.equal(where.stdout.trim(), path.join(paths.repo, "server/rocm_lsp/__init__.py"), "editable, from the checkout");
      assert.equal(fs.existsSync(path.join(editor.globalStorage, "venv")), false, "no private environment");
    });
  });
});
