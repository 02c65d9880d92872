// Quick fixes and rename in a real VS Code (code-server + Chromium), on copies of the templates of
// tests/fixtures/diagnostics/: through VS Code's API as an extension calls it (the test probe,
// probe.ts: vscode.executeCodeActionProvider, vscode.workspace.applyEdit,
// vscode.executeDocumentRenameProvider), and once through the Problems panel as a person would.
// The cases and the exact text after each edit are tests/editors/edit_cases.json, which the
// Neovim tests share.

import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";

import { Editor, paths, poll } from "./harness";
import { buildProbe, Probe } from "./probe";
import type { Action, Diagnostic, Position, Range } from "./probe/protocol";

interface QuickFixCase {
  fixture: string;
  code: string;
  preferred: string;
  actions: string[];
  edits: [string, string][];
}

interface RenameCase {
  name: string;
  fixture: string;
  cursor: string;
  new_name: string;
  edits: [string, string][];
}

const CASES = JSON.parse(fs.readFileSync(path.join(paths.repo, "tests/editors/edit_cases.json"), "utf8")) as { quick_fixes: QuickFixCase[]; renames: RenameCase[] };

function fixture(name: string): string {
  return fs.readFileSync(path.join(paths.repo, "tests/fixtures/diagnostics", `${name}.hip.jinja`), "utf8");
}

/** `text` with each [before, after] of a case replaced; each `before` occurs once. */
function edited(text: string, edits: [string, string][]): string {
  for (const [before, after] of edits) {
    assert.equal(text.split(before).length - 1, 1, `${JSON.stringify(before)} must occur once`);
    text = text.replace(before, () => after);
  }
  return text;
}

/** The position of `$0` in `marked`, whose text without it occurs once in `text`. */
function cursor(text: string, marked: string): Position {
  const plain = marked.replace("$0", "");
  assert.equal(text.split(plain).length - 1, 1, `${JSON.stringify(plain)} must occur once`);
  const offset = text.indexOf(plain) + marked.indexOf("$0");
  const line = text.slice(0, offset).split("\n").length - 1;
  return { line, character: offset - (text.lastIndexOf("\n", offset - 1) + 1) };
}

const fixFile = (c: QuickFixCase) => `fix-${c.fixture}.hip.jinja`;
const renameFile = (c: RenameCase) => `rename-${c.name}.hip.jinja`;
const PROBLEMS_CASE = CASES.quick_fixes[0]!;
const PROBLEMS_FILE = `problems-${PROBLEMS_CASE.fixture}.hip.jinja`;

describe("quick fixes and rename in VS Code (code-server)", { timeout: 600_000 }, () => {
  const probeBuild = buildProbe();
  const portFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "rocm-lsp-probe-port-")), "port");
  const files: Record<string, string> = { [PROBLEMS_FILE]: fixture(PROBLEMS_CASE.fixture) };
  for (const c of CASES.quick_fixes) {
    files[fixFile(c)] = fixture(c.fixture);
  }
  for (const c of CASES.renames) {
    files[renameFile(c)] = fixture(c.fixture);
  }
  const editor = new Editor("interaction", { files, extensions: [probeBuild.vsix], env: { ROCM_LSP_PROBE_PORT_FILE: portFile } });
  const probe = new Probe(portFile);

  const diagnostics = (file: string) => probe.call<Diagnostic[]>("diagnostics", { file });
  const finding = (file: string, code: string) =>
    poll(`${code} among VS Code's diagnostics of ${file}`, async () => (await diagnostics(file)).find((d) => d.code === code), 60_000);

  before(async () => {
    await editor.start();
    await probe.ready();
  });

  after(async () => {
    await editor.stop();
    fs.rmSync(probeBuild.folder, { recursive: true, force: true });
    fs.rmSync(path.dirname(portFile), { recursive: true, force: true });
  });

  test(`the Problems panel offers the fixes of ${PROBLEMS_CASE.code}; choosing the preferred one gives the exact text`, async () => {
    await editor.step("problems-quick-fix", async () => {
      const c = PROBLEMS_CASE;
      await editor.openFile(PROBLEMS_FILE);
      const found = await finding(PROBLEMS_FILE, c.code);
      const page = editor.page;
      await page.keyboard.press("Control+Shift+m");
      const row = page.locator(".markers-panel .monaco-list-row", { hasText: found.message }).first();
      await poll(`${c.code} in the Problems panel`, async () => row.isVisible());
      await row.hover();
      // the row's lightbulb, marked "autofixable": VS Code found a preferred quickfix for this finding
      const lightbulb = row.locator(".markers-panel-action-quickfix.autofixable");
      await poll("the Problems panel's quick fix button on the row", async () => lightbulb.first().isVisible());
      await lightbulb.first().click();
      const menu = page.locator(".context-view .monaco-menu");
      await menu.first().waitFor({ timeout: 30_000 });
      const items = (await menu.locator(".action-label").allTextContents()).map((t) => t.trim()).filter((t) => t !== "");
      await editor.screenshot("problems-quick-fix");
      // the quickfixes at the finding (not the source action "Fix all …"), the preferred one first
      assert.deepEqual(items, [c.preferred, `Ignore ${c.code} on this line`]);
      await menu.locator(".action-label", { hasText: c.preferred }).first().click();
      const expected = edited(fixture(c.fixture), c.edits);
      await poll("the fixed text", async () => (await probe.call<string>("text", { file: PROBLEMS_FILE })) === expected, 30_000).catch(async (error) => {
        assert.equal(await probe.call<string>("text", { file: PROBLEMS_FILE }), expected, String(error));
      });
      await poll(`${c.code} to leave the Problems panel`, async () => !((await page.locator(".markers-panel").textContent()) ?? "").includes(found.message));
      await page.keyboard.press("Control+1");
    });
  });

  for (const c of CASES.quick_fixes) {
    test(`${c.fixture}: the code actions at ${c.code}, the preferred one's exact text, and Ignore ${c.code} on this line`, async () => {
      await editor.step(`fix-${c.fixture}`, async () => {
        const file = fixFile(c);
        await probe.call("open", { file });
        const found = await finding(file, c.code);
        const actions = await probe.call<Action[]>("codeActions", { file, range: found.range });
        assert.deepEqual(actions.map((a) => a.title).sort(), c.actions);
        // (vscode.executeCodeActionProvider drops each action's `diagnostics`: VS Code's API command
        // passes on title, kind, edit, command and isPreferred only)
        const shape = (a: Action) => ({ title: a.title, kind: a.kind, isPreferred: a.isPreferred, hasEdit: a.hasEdit });
        const preferred = actions.filter((a) => a.isPreferred);
        assert.deepEqual(preferred.map(shape), [{ title: c.preferred, kind: "quickfix", isPreferred: true, hasEdit: true }]);
        const ignore = actions.filter((a) => a.title === `Ignore ${c.code} on this line`);
        assert.deepEqual(ignore.map(shape), [{ title: `Ignore ${c.code} on this line`, kind: "quickfix", isPreferred: false, hasEdit: true }]);

        const result = await probe.call<{ applied: boolean; text: string }>("apply", { file, index: preferred[0]!.index });
        assert.equal(result.applied, true, "vscode.workspace.applyEdit applied the edit");
        assert.equal(result.text, edited(fixture(c.fixture), c.edits));
        await poll(`${c.code} to leave the diagnostics of ${file}`, async () => (await diagnostics(file)).every((d) => d.code !== c.code));
      });
    });
  }

  for (const c of CASES.renames) {
    test(`rename ${c.name}: vscode.prepareRename covers the name; the rename's edit gives the exact text`, async () => {
      await editor.step(`rename-${c.name}`, async () => {
        const file = renameFile(c);
        const text = fixture(c.fixture);
        const position = cursor(text, c.cursor);
        const oldName = /^\w+/.exec(text.split("\n")[position.line]!.slice(position.character))![0];
        await probe.call("open", { file });
        const prepared = await poll("vscode.prepareRename", async () => (await probe.call<{ range: Range; placeholder: string } | null>("prepareRename", { file, position })) ?? undefined, 60_000);
        assert.deepEqual(prepared, { range: { start: position, end: { line: position.line, character: position.character + oldName.length } }, placeholder: oldName });
        const result = await probe.call<{ applied: boolean; files: string[]; text: string }>("rename", { file, position, newName: c.new_name });
        assert.equal(result.applied, true, "vscode.workspace.applyEdit applied the edit");
        assert.equal(result.files.length, 1, `the rename edits the one document: ${result.files}`);
        assert.equal(result.text, edited(text, c.edits));
      });
    });
  }
});
