import * as assert from "node:assert/strict";
import { test } from "node:test";

import { classifyProbe, expandPath, installArgs, resolveInterpreter } from "../../src/interpreter";

const context = { workspaceFolder: "/ws", home: "/home/u", env: { VENV: "/venvs/a" } };

test("the setting wins, expanded", async () => {
  const python = async () => "/from/python/extension";
  assert.deepEqual(await resolveInterpreter({ ...context, setting: "${workspaceFolder}/.venv/bin/python", pythonExtension: python }), {
    path: "/ws/.venv/bin/python",
    source: "setting",
  });
  assert.equal((await resolveInterpreter({ ...context, setting: "~/py/bin/python" })).path, "/home/u/py/bin/python");
  assert.equal((await resolveInterpreter({ ...context, setting: "${env:VENV}/bin/python" })).path, "/venvs/a/bin/python");
  assert.equal((await resolveInterpreter({ ...context, setting: ".venv/bin/python" })).path, "/ws/.venv/bin/python");
  assert.equal((await resolveInterpreter({ ...context, setting: "python3.11" })).path, "python3.11");
});

test("else the Python extension's interpreter, else python3", async () => {
  assert.deepEqual(await resolveInterpreter({ ...context, setting: " ", pythonExtension: async () => "/conda/bin/python" }), {
    path: "/conda/bin/python",
    source: "Python extension",
  });
  assert.deepEqual(await resolveInterpreter({ ...context, setting: "", pythonExtension: async () => undefined }), {
    path: "python3",
    source: "default",
  });
  const failing = async (): Promise<string> => {
    throw new Error("not activated");
  };
  assert.deepEqual(await resolveInterpreter({ ...context, setting: "", pythonExtension: failing }), { path: "python3", source: "default" });
  assert.deepEqual(await resolveInterpreter({ ...context, setting: "" }), { path: "python3", source: "default" });
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

test("install arguments: a requirement, or a checkout installed editable", () => {
  assert.deepEqual(installArgs("rocm-lsp", false), ["-m", "pip", "install", "rocm-lsp"]);
  assert.deepEqual(installArgs("", false), ["-m", "pip", "install", "rocm-lsp"]);
  assert.deepEqual(installArgs("/src/rocm-lsp", true), ["-m", "pip", "install", "-e", "/src/rocm-lsp"]);
});
