import * as assert from "node:assert/strict";
import { test } from "node:test";

import {
  bundledWheel,
  classifyProbe,
  expandPath,
  installArgs,
  installSource,
  interpreterCandidates,
  lastLine,
  needsUpdate,
  usableBase,
  venvFailureHint,
  venvPython,
} from "../../src/interpreter";

const context = { workspaceFolder: "/ws", home: "/home/u", env: { VENV: "/venvs/a" } };

const PRIVATE = "/storage/venv/bin/python";

test("the setting alone, expanded, when it is set (the private environment is not tried)", async () => {
  const python = async () => "/from/python/extension";
  const only = async (setting: string) => interpreterCandidates({ ...context, setting, privatePython: PRIVATE, pythonExtension: python });
  assert.deepEqual(await only("${workspaceFolder}/.venv/bin/python"), [{ path: "/ws/.venv/bin/python", source: "setting" }]);
  assert.deepEqual((await only("~/py/bin/python")).map((c) => c.path), ["/home/u/py/bin/python"]);
  assert.deepEqual((await only("${env:VENV}/bin/python")).map((c) => c.path), ["/venvs/a/bin/python"]);
  assert.deepEqual((await only(".venv/bin/python")).map((c) => c.path), ["/ws/.venv/bin/python"]);
  assert.deepEqual((await only("python3.11")).map((c) => c.path), ["python3.11"]);
});

test("else the private environment first, then the Python extension's interpreter, else python3", async () => {
  assert.deepEqual(await interpreterCandidates({ ...context, setting: " ", privatePython: PRIVATE, pythonExtension: async () => "/conda/bin/python" }), [
    { path: PRIVATE, source: "private environment" },
    { path: "/conda/bin/python", source: "Python extension" },
  ]);
  assert.deepEqual(await interpreterCandidates({ ...context, setting: "", pythonExtension: async () => "/conda/bin/python" }), [
    { path: "/conda/bin/python", source: "Python extension" },
  ]);
  assert.deepEqual(await interpreterCandidates({ ...context, setting: "", privatePython: PRIVATE, pythonExtension: async () => undefined }), [
    { path: PRIVATE, source: "private environment" },
    { path: "python3", source: "default" },
  ]);
  const failing = async (): Promise<string> => {
    throw new Error("not activated");
  };
  assert.deepEqual(await interpreterCandidates({ ...context, setting: "", pythonExtension: failing }), [{ path: "python3", source: "default" }]);
  assert.deepEqual(await interpreterCandidates({ ...context, setting: "" }), [{ path: "python3", source: "default" }]);
});

test("expandPath leaves absolute paths and bare names alone", () => {
  assert.equal(expandPath("/usr/bin/python3", context), "/usr/bin/python3");
  assert.equal(expandPath("python3", context), "python3");
  assert.equal(expandPath("~", context), "/home/u");
  assert.equal(expandPath("bin/python", { home: "/h", env: {} }), "bin/python");
});

test("probe outcomes", () => {
  assert.deepEqual(classifyProbe({ exitCode: 0, stdout: "0.1.0", stderr: "" }), { kind: "ok", version: "0.1.0" });
  const missing = "Traceback (most recent call last):\n  File \"<string>\", line 1\nModuleNotFoundError: No module named 'rocm_lsp'\n";
  assert.deepEqual(classifyProbe({ exitCode: 1, stdout: "", stderr: missing }), { kind: "missing" });
  assert.deepEqual(classifyProbe({ exitCode: 1, stdout: "", stderr: "Traceback...\nImportError: cannot import name 'x' from 'pygls'\n" }), {
    kind: "broken",
    detail: "ImportError: cannot import name 'x' from 'pygls'",
  });
  assert.deepEqual(classifyProbe({ spawnError: "ENOENT: cannot run /nope", exitCode: null, stdout: "", stderr: "" }), {
    kind: "no-interpreter",
    detail: "ENOENT: cannot run /nope",
  });
});

test("install source: the bundled wheel unless rocmLsp.installSource names a requirement or a checkout", () => {
  const folder = (p: string) => p === "/src/rocm-lsp" || p === "/ws/rocm-lsp";
  const wheel = "/ext/server-wheel/rocm_lsp-0.1.0-py3-none-any.whl";
  assert.deepEqual(installSource("", wheel, context, folder), { kind: "wheel", path: wheel });
  assert.deepEqual(installSource("  ", wheel, context, folder), { kind: "wheel", path: wheel });
  assert.equal(installSource("", undefined, context, folder), undefined);
  assert.deepEqual(installSource("rocm-lsp==0.2.0", wheel, context, folder), { kind: "requirement", text: "rocm-lsp==0.2.0" });
  assert.deepEqual(installSource("/src/rocm-lsp", wheel, context, folder), { kind: "folder", path: "/src/rocm-lsp" });
  assert.deepEqual(installSource("${workspaceFolder}/rocm-lsp", undefined, context, folder), { kind: "folder", path: "/ws/rocm-lsp" });
  assert.deepEqual(installSource("~/dl/rocm_lsp-0.2.0-py3-none-any.whl", wheel, context, folder), {
    kind: "requirement",
    text: "/home/u/dl/rocm_lsp-0.2.0-py3-none-any.whl",
  });
});

test("install arguments: a wheel or requirement as given, a checkout editable", () => {
  assert.deepEqual(installArgs({ kind: "wheel", path: "/ext/w.whl" }), ["-m", "pip", "install", "/ext/w.whl"]);
  assert.deepEqual(installArgs({ kind: "requirement", text: "rocm-lsp" }), ["-m", "pip", "install", "rocm-lsp"]);
  assert.deepEqual(installArgs({ kind: "folder", path: "/src/rocm-lsp" }), ["-m", "pip", "install", "-e", "/src/rocm-lsp"]);
});

test("the bundled wheel is the one rocm_lsp wheel in server-wheel/", () => {
  assert.equal(bundledWheel(["rocm_lsp-0.1.0-py3-none-any.whl"]), "rocm_lsp-0.1.0-py3-none-any.whl");
  assert.equal(bundledWheel([".gitkeep", "other-1.0-py3-none-any.whl", "rocm_lsp-0.1.0.tar.gz"]), undefined);
  assert.equal(bundledWheel([]), undefined);
});

test("a base Python for the private environment is 3.10 or newer", () => {
  assert.deepEqual(usableBase("python3", "3.11\n/usr/bin/python3.11\n"), { command: "python3", executable: "/usr/bin/python3.11", version: "3.11" });
  assert.deepEqual(usableBase("python3.10", "3.10\n/opt/py/bin/python3.10"), { command: "python3.10", executable: "/opt/py/bin/python3.10", version: "3.10" });
  assert.equal(usableBase("python3.12", "4.0\n/x")?.version, "4.0");
  assert.equal(usableBase("python3", "3.9\n/usr/bin/python3.9\n"), undefined);
  assert.equal(usableBase("python", "2.7\n/usr/bin/python\n"), undefined);
  assert.equal(usableBase("python3", "pyenv: python3.12: command not found"), undefined);
  assert.equal(usableBase("python3", ""), undefined);
});

test("the private environment's Python, and why a venv could not be made", () => {
  assert.equal(venvPython("/s/venv", "linux"), "/s/venv/bin/python");
  assert.equal(venvPython("C:\\s\\venv", "win32").endsWith("python.exe"), true);
  const debian =
    "The virtual environment was not created successfully because ensurepip is not\navailable.  On Debian/Ubuntu systems, you need to install the python3-venv\npackage using the following command.\n\n    apt install python3.11-venv\n";
  assert.match(venvFailureHint(debian, "linux"), /install the python3-venv package \(sudo apt install python3-venv\)/);
  assert.match(venvFailureHint("Error: [Errno 13] Permission denied", "linux"), /python3-venv/);
  assert.doesNotMatch(venvFailureHint("Error: [Errno 13] Permission denied", "darwin"), /apt/);
  assert.equal(lastLine(debian), "apt install python3.11-venv");
  assert.equal(lastLine(""), "");
});

test("the private environment is updated only when it holds another bundled wheel", () => {
  const record = { source: "bundled wheel", wheel: "rocm_lsp-0.1.0-py3-none-any.whl", sha256: "aa", python: "/usr/bin/python3", version: "3.11" };
  assert.equal(needsUpdate(record, "aa"), false);
  assert.equal(needsUpdate(record, "bb"), true);
  assert.equal(needsUpdate(record, undefined), false);
  assert.equal(needsUpdate({ source: "/src/rocm-lsp", python: "/usr/bin/python3", version: "3.11" }, "bb"), false);
  assert.equal(needsUpdate(undefined, "bb"), false);
});
