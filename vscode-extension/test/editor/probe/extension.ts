// A test-only extension installed beside rocm-lsp in the editor tests: it lets the test (outside
// the editor) call the VS Code API as another extension would, on documents of the workspace.
// It listens on 127.0.0.1 (a port of the system's choosing, written to the file named by
// $ROCM_LSP_PROBE_PORT_FILE) for POSTed JSON `{op, ...}` and answers `{value}` or `{error}`.
// Every answer is plain JSON: positions as {line, character}, ranges as {start, end}.

import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

import * as vscode from "vscode";

import type { Action, Diagnostic, Position, Range } from "./protocol";

function range(r: vscode.Range): Range {
  return { start: { line: r.start.line, character: r.start.character }, end: { line: r.end.line, character: r.end.character } };
}

function toRange(r: Range): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

function code(d: vscode.Diagnostic): string | null {
  const value = typeof d.code === "object" ? d.code.value : d.code;
  return value === undefined ? null : String(value);
}

function diagnostic(d: vscode.Diagnostic): Diagnostic {
  return { code: code(d), message: d.message, severity: d.severity, range: range(d.range) };
}

function uriOf(file: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder === undefined) {
    throw new Error("no workspace folder");
  }
  return vscode.Uri.joinPath(folder.uri, file);
}

async function documentOf(file: string): Promise<vscode.TextDocument> {
  return vscode.workspace.openTextDocument(uriOf(file));
}

/** The last code actions asked for, per file: `apply` names one by its index. */
const lastActions = new Map<string, (vscode.CodeAction | vscode.Command)[]>();

type Request = Record<string, unknown> & { op: string; file: string };

const ops: Record<string, (request: Request) => Promise<unknown>> = {
  /** Open the file in an editor (a person's way: diagnostics come for shown documents). */
  async open({ file }) {
    const document = await documentOf(file);
    await vscode.window.showTextDocument(document, { preview: false });
    return { text: document.getText(), version: document.version };
  },
  async text({ file }) {
    return (await documentOf(file)).getText();
  },
  /** What VS Code holds for the file: what the Problems panel and the squiggles show. */
  async diagnostics({ file }) {
    return vscode.languages.getDiagnostics(uriOf(file)).map(diagnostic);
  },
  /** The selection of the file's editor (opened if need be) set to a range. */
  async select({ file, range: r }) {
    const editor = await vscode.window.showTextDocument(await documentOf(file), { preview: false });
    const target = toRange(r as Range);
    editor.selection = new vscode.Selection(target.start, target.end);
    editor.revealRange(target);
    return null;
  },
  /** vscode.executeCodeActionProvider: every provider's code actions for the range (VS Code's
   * API command gives each action's title, kind, edit, command and isPreferred, not its diagnostics). */
  async codeActions({ file, range: r }) {
    const actions = (await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>("vscode.executeCodeActionProvider", uriOf(file), toRange(r as Range))) ?? [];
    lastActions.set(file, actions);
    return actions.map((action, index): Action =>
      "command" in action && typeof action.command === "string"
        ? { index, title: action.title, kind: null, isPreferred: false, hasEdit: false, command: action.command }
        : {
            index,
            title: action.title,
            kind: (action as vscode.CodeAction).kind?.value ?? null,
            isPreferred: (action as vscode.CodeAction).isPreferred === true,
            hasEdit: (action as vscode.CodeAction).edit !== undefined,
            command: (action as vscode.CodeAction).command?.command ?? null,
          },
    );
  },
  /** Apply one of the last code actions as VS Code does: its edit, then its command. */
  async apply({ file, index }) {
    const action = lastActions.get(file)?.[index as number];
    if (action === undefined) {
      throw new Error(`no code action ${index} for ${file}`);
    }
    let applied = true;
    if ("command" in action && typeof action.command === "string") {
      const command = action as vscode.Command;
      await vscode.commands.executeCommand(command.command, ...(command.arguments ?? []));
    } else {
      const codeAction = action as vscode.CodeAction;
      if (codeAction.edit !== undefined) {
        applied = await vscode.workspace.applyEdit(codeAction.edit);
      }
      if (codeAction.command !== undefined) {
        await vscode.commands.executeCommand(codeAction.command.command, ...(codeAction.command.arguments ?? []));
      }
    }
    return { applied, text: (await documentOf(file)).getText() };
  },
  /** vscode.prepareRename: the range (and placeholder) a rename at the position would change. */
  async prepareRename({ file, position }) {
    const p = position as Position;
    const answer = await vscode.commands.executeCommand<{ range: vscode.Range; placeholder: string } | undefined>("vscode.prepareRename", uriOf(file), new vscode.Position(p.line, p.character));
    return answer === undefined ? null : { range: range(answer.range), placeholder: answer.placeholder };
  },
  /** vscode.executeDocumentRenameProvider, its edit applied. */
  async rename({ file, position, newName }) {
    const p = position as Position;
    const edit = await vscode.commands.executeCommand<vscode.WorkspaceEdit | undefined>("vscode.executeDocumentRenameProvider", uriOf(file), new vscode.Position(p.line, p.character), newName as string);
    if (edit === undefined) {
      throw new Error("no rename edit");
    }
    const applied = await vscode.workspace.applyEdit(edit);
    return { applied, files: edit.entries().map(([uri]) => uri.toString()), text: (await documentOf(file)).getText() };
  },
};

function answer(response: http.ServerResponse, body: unknown): void {
  response.writeHead(200, { "Content-Type": "application/json" });
  response.end(JSON.stringify(body));
}

export function activate(context: vscode.ExtensionContext): void {
  const portFile = process.env.ROCM_LSP_PROBE_PORT_FILE;
  if (!portFile) {
    return;
  }
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      void (async () => {
        try {
          const parsed = JSON.parse(body) as Request;
          const op = ops[parsed.op];
          if (op === undefined) {
            throw new Error(`unknown op ${parsed.op}`);
          }
          answer(response, { value: await op(parsed) });
        } catch (error) {
          answer(response, { error: error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error) });
        }
      })();
    });
  });
  server.listen(0, "127.0.0.1", () => {
    fs.writeFileSync(portFile, String((server.address() as AddressInfo).port));
  });
  context.subscriptions.push({ dispose: () => server.close() });
}

export function deactivate(): void {}
