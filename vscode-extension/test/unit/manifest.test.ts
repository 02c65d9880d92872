// The manifest wires the extension together: check the wiring that only a running editor would show.
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";

const ROOT = path.resolve(__dirname, "../../..");
const manifest = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
const contributes = manifest.contributes;

test("activates on templates and on Python files", () => {
  assert.ok(manifest.activationEvents.includes("onLanguage:hip-jinja"));
  assert.ok(manifest.activationEvents.includes("onLanguage:python"));
  const language = contributes.languages.find((l: { id: string }) => l.id === "hip-jinja");
  assert.deepEqual(language.extensions, [".hip.jinja"]);
});

test("every menu entry names a declared command; compile, benchmark and tune need trust", () => {
  const declared = new Set(contributes.commands.map((c: { command: string }) => c.command));
  for (const entries of Object.values(contributes.menus) as Array<Array<{ command: string; when: string }>>) {
    for (const entry of entries) {
      assert.ok(declared.has(entry.command), entry.command);
      if (/compile|benchmark|tune|Tuned|Torch/i.test(entry.command)) {
        assert.match(entry.when, /isWorkspaceTrusted/);
      }
    }
  }
});

test("restricted settings exist and name programs", () => {
  const properties = contributes.configuration.properties;
  const restricted: string[] = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations;
  assert.equal(manifest.capabilities.untrustedWorkspaces.supported, "limited");
  for (const key of restricted) {
    assert.ok(key in properties, key);
  }
  assert.deepEqual(restricted.sort(), ["rocmLsp.benchmarkInterpreter", "rocmLsp.compiler", "rocmLsp.installSource", "rocmLsp.interpreter"]);
});

test("the grammar file parses and is the one declared", () => {
  const grammar = contributes.grammars[0];
  const file = JSON.parse(readFileSync(path.join(ROOT, grammar.path), "utf8"));
  assert.equal(file.scopeName, grammar.scopeName);
});

test("the .vsix carries the server wheel that `npm run package` builds first", () => {
  assert.match(manifest.scripts.package, /^npm run wheel && /);
  assert.match(manifest.scripts.wheel, /scripts\/build-wheel\.sh server-wheel$/);
  const ignore = readFileSync(path.join(ROOT, ".vscodeignore"), "utf8").split("\n");
  assert.ok(ignore.includes("!server-wheel/rocm_lsp-*-py3-none-any.whl"));
  assert.equal(contributes.configuration.properties["rocmLsp.installSource"].default, "");
});

test("no text sends anyone to a PyPI release that does not exist", () => {
  for (const file of ["package.json", "README.md"]) {
    assert.doesNotMatch(readFileSync(path.join(ROOT, file), "utf8"), /pip install rocm-lsp|pipx install rocm-lsp/, file);
  }
});
