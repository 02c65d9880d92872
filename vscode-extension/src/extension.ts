// rocm-lsp for VS Code: a thin client. It starts the server, forwards commands and settings,
// and shows a status item; everything else is the server's.

import * as vscode from "vscode";

import {
  ASSEMBLY_COMMAND,
  BENCHMARK_COMMAND,
  COMPARE_COMMAND,
  APPLY_TUNED_COMMAND,
  TORCH_CHOICES_COMMAND,
  TORCH_PREVIEW_COMMAND,
  TUNE_COMMAND,
  COMPILE_COMMAND,
  PREVIEW_COMMAND,
  TEMPLATE_SUFFIX,
} from "./contract";
import { explainRestricted, isTemplate, SECTION, ServerController } from "./server";
import { RESTART_KEYS } from "./settings";
import { StatusItem } from "./status";
import { needsTrust } from "./trust";

interface ProfileChoice extends vscode.QuickPickItem {
  value: string;
}

/** The template to act on: the editor title's resource, else the active editor's document. */
function targetTemplate(resource?: vscode.Uri): vscode.Uri | undefined {
  if (resource instanceof vscode.Uri) {
    return resource;
  }
  const document = vscode.window.activeTextEditor?.document;
  return document !== undefined && isTemplate(document) ? document.uri : undefined;
}

/** A server command on the template (its URI, then `extra`), through the client's middleware. */
async function runOnTemplate(
  server: ServerController,
  command: string,
  resource?: vscode.Uri,
  ...extra: unknown[]
): Promise<void> {
  if (needsTrust(command) && !vscode.workspace.isTrusted) {
    await explainRestricted();
    return;
  }
  const uri = targetTemplate(resource);
  if (uri === undefined) {
    void vscode.window.showInformationMessage(`rocm-lsp: open a *${TEMPLATE_SUFFIX} template first.`);
    return;
  }
  if (!server.client?.isRunning()) {
    const choice = await vscode.window.showWarningMessage("rocm-lsp: the server is not running.", "Restart", "Show Log");
    if (choice === "Restart") {
      await server.restart(true);
    } else if (choice === "Show Log") {
      server.output.show(true);
    }
    return;
  }
  await vscode.commands.executeCommand(command, uri.toString(), ...extra);
}

/** Show Assembly…: pick one of the `targets` setting (the first is the default), then show it. */
async function showAssembly(server: ServerController, resource?: vscode.Uri): Promise<void> {
  const targets = vscode.workspace.getConfiguration(SECTION).get<string[]>("targets", []);
  const arch = vscode.workspace.getConfiguration(SECTION).get<string>("arch", "");
  const choices = [...new Set([arch, ...targets].filter((t) => typeof t === "string" && t !== ""))];
  const picked =
    choices.length > 1
      ? await vscode.window.showQuickPick(choices, { title: "rocm-lsp: show the assembly for which target?" })
      : choices[0] ?? null;
  if (picked === undefined) {
    return; // dismissed
  }
  await runOnTemplate(server, ASSEMBLY_COMMAND, resource, picked);
}

/** Preview C++ with torch…: the ROCm template class at (above) the cursor of a Python module,
 * one of its op choices picked from the server's list, then the preview. */
async function previewWithTorch(server: ServerController): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    await explainRestricted();
    return;
  }
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined || editor.document.languageId !== "python" || !server.client?.isRunning()) {
    void vscode.window.showInformationMessage("rocm-lsp: open one of Inductor's ROCm template modules (.py) first.");
    return;
  }
  const uri = editor.document.uri.toString();
  const above = editor.document.getText(new vscode.Range(new vscode.Position(0, 0), editor.selection.active));
  const classes = [...above.matchAll(/^class\s+(\w+)/gm)].map((m) => m[1]);
  const className = classes.length > 0 ? classes[classes.length - 1] : null;
  const choices = await vscode.commands.executeCommand<unknown>(TORCH_CHOICES_COMMAND, uri, className);
  if (!Array.isArray(choices)) {
    void vscode.window.showWarningMessage(`rocm-lsp: ${String(choices)}`);
    return;
  }
  const items = choices.map((c: { index: number; name: string }) => ({ label: String(c.index), description: c.name, index: c.index }));
  const picked = await vscode.window.showQuickPick(items, { title: "rocm-lsp: render which op choice?", matchOnDescription: true });
  if (picked !== undefined) {
    await vscode.commands.executeCommand(TORCH_PREVIEW_COMMAND, uri, className, picked.index);
  }
}

/** Show Instructions of This Line: the default target's assembly, at the cursor line's blocks. */
async function showLineAssembly(server: ServerController): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const line = editor !== undefined && isTemplate(editor.document) ? editor.selection.active.line + 1 : null;
  await runOnTemplate(server, ASSEMBLY_COMMAND, undefined, null, line);
}

async function selectProfile(context: vscode.ExtensionContext): Promise<void> {
  const property = context.extension.packageJSON.contributes.configuration.properties[`${SECTION}.profile`];
  const current = vscode.workspace.getConfiguration(SECTION).get<string>("profile", "");
  const items: ProfileChoice[] = (property.enum as string[]).map((value, i) => ({
    value,
    label: value === "" ? "From each template's header" : value,
    description: value === current ? "(current)" : undefined,
    detail: (property.enumDescriptions as string[])[i],
  }));
  const picked = await vscode.window.showQuickPick(items, { title: "rocm-lsp profile (Inductor version)" });
  if (picked === undefined) {
    return;
  }
  const target = vscode.workspace.workspaceFolders ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration(SECTION).update("profile", picked.value || undefined, target);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("rocm-lsp");
  const server = new ServerController(output, { storage: context.globalStorageUri.fsPath, extension: context.extensionPath });
  const status = new StatusItem(server);
  context.subscriptions.push(output, server, status);

  const register = (id: string, run: (...args: any[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, run));
  register("rocmLsp.preview", (resource?: vscode.Uri) => runOnTemplate(server, PREVIEW_COMMAND, resource));
  register("rocmLsp.compile", (resource?: vscode.Uri) => runOnTemplate(server, COMPILE_COMMAND, resource));
  register("rocmLsp.benchmark", (resource?: vscode.Uri) => runOnTemplate(server, BENCHMARK_COMMAND, resource));
  register("rocmLsp.showAssembly", (resource?: vscode.Uri) => showAssembly(server, resource));
  register("rocmLsp.showLineAssembly", () => showLineAssembly(server));
  register("rocmLsp.compareTargets", (resource?: vscode.Uri) => runOnTemplate(server, COMPARE_COMMAND, resource));
  register("rocmLsp.tune", (resource?: vscode.Uri) => runOnTemplate(server, TUNE_COMMAND, resource));
  register("rocmLsp.previewWithTorch", () => previewWithTorch(server));
  register("rocmLsp.applyTuned", (resource?: vscode.Uri) => runOnTemplate(server, APPLY_TUNED_COMMAND, resource));
  register("rocmLsp.selectProfile", () => selectProfile(context));
  register("rocmLsp.restartServer", () => server.restart(true));
  register("rocmLsp.installServer", () => server.install());
  register("rocmLsp.showLog", () => output.show(true));

  context.subscriptions.push(
    server.onDidChangeState(() => status.schedule(0)),
    vscode.window.onDidChangeActiveTextEditor(() => status.schedule(0)),
    vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.document === vscode.window.activeTextEditor?.document && isTemplate(event.document)) {
        status.schedule();
      }
    }),
    vscode.workspace.onDidOpenTextDocument((document) => server.templateOpened(document)),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (!event.affectsConfiguration(SECTION)) {
        return;
      }
      if (RESTART_KEYS.some((key) => event.affectsConfiguration(`${SECTION}.${key}`))) {
        await server.restart();
      } else {
        await server.pushSettings();
      }
      status.schedule(100);
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => server.refreshLenses()),
  );
  await watchPythonExtension(context, server);
  await server.start();
}

/** Restart when the Python extension's active interpreter changes and the server runs in it. */
async function watchPythonExtension(context: vscode.ExtensionContext, server: ServerController): Promise<void> {
  const extension = vscode.extensions.getExtension("ms-python.python");
  if (extension === undefined) {
    return;
  }
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    const event = api?.environments?.onDidChangeActiveEnvironmentPath;
    if (typeof event === "function") {
      context.subscriptions.push(
        event(() => {
          if (server.interpreter?.source === "Python extension") {
            void server.restart();
          }
        }),
      );
    }
  } catch {
    // the Python extension failed to activate: the default interpreter serves
  }
}

export function deactivate(): void {
  // the controller is disposed with the extension's subscriptions
}
