// Starting, stopping and installing the server: `<python> -m rocm_lsp serve` on stdio.

import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as vscode from "vscode";
import {
  CodeLensRequest,
  ExecuteCommandRequest,
  LanguageClient,
  ResponseError,
  type LanguageClientOptions,
  type Middleware,
  State,
} from "vscode-languageclient/node";

import {
  classifyProbe,
  expandPath,
  installArgs,
  type Interpreter,
  type PathContext,
  PROBE_ARGS,
  type ProbeOutcome,
  resolveInterpreter,
  SERVE_ARGS,
} from "./interpreter";
import { serverOptions } from "./settings";
import { needsTrust, RESTRICTED_EXPLANATION, restrictedTitle } from "./trust";

export const SECTION = "rocmLsp";
const PREVIEW_SUFFIX = ".generated.hip.cpp";

export const DOCUMENT_SELECTOR = [
  { scheme: "file", language: "hip-jinja" },
  { scheme: "file", pattern: "**/*.hip.jinja" },
  { scheme: "file", language: "python" }, // Inductor's template modules; ordinary ones stay silent
];

export type ServerState =
  | { kind: "stopped" }
  | { kind: "starting" }
  | { kind: "running"; version: string }
  | { kind: "missing" } // rocm_lsp is not installed in the interpreter
  | { kind: "failed"; detail: string };

function isTemplate(document: vscode.TextDocument): boolean {
  return document.languageId === "hip-jinja" || document.uri.path.endsWith(".hip.jinja");
}

function pathContext(): PathContext {
  return { workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, home: os.homedir(), env: process.env };
}

/** The Python extension's active interpreter, if that extension is installed. */
async function pythonExtensionInterpreter(): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension("ms-python.python");
  if (extension === undefined) {
    return undefined;
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the Python extension's API is untyped here
  const api: any = extension.isActive ? extension.exports : await extension.activate();
  const resource = vscode.workspace.workspaceFolders?.[0]?.uri;
  const environments = api?.environments;
  if (environments?.getActiveEnvironmentPath !== undefined) {
    const active = environments.getActiveEnvironmentPath(resource);
    const resolved = await environments.resolveEnvironment(active);
    return resolved?.executable?.uri?.fsPath ?? active?.path;
  }
  return api?.settings?.getExecutionDetails?.(resource)?.execCommand?.[0];
}

function probe(python: string): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    execFile(python, PROBE_ARGS, { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      const spawnError = typeof code === "string" ? `${code}: cannot run ${python}` : undefined;
      const exitCode = error === null ? 0 : typeof code === "number" ? code : 1;
      resolve(classifyProbe({ spawnError, exitCode, stdout, stderr }));
    });
  });
}

export class ServerController implements vscode.Disposable {
  client: LanguageClient | undefined;
  interpreter: Interpreter | undefined;
  state: ServerState = { kind: "stopped" };
  private readonly changed = new vscode.EventEmitter<ServerState>();
  readonly onDidChangeState = this.changed.event;
  private prompted = false;
  private queue: Promise<void> = Promise.resolve();

  constructor(readonly output: vscode.OutputChannel) {}

  private setState(state: ServerState): void {
    this.state = state;
    this.changed.fire(state);
  }

  /** The server's settings object from the current `rocmLsp.*` settings. */
  options(): ReturnType<typeof serverOptions> {
    const config = vscode.workspace.getConfiguration(SECTION);
    return serverOptions((key) => config.get(key), this.interpreter?.path);
  }

  /** Start, stop and restart run one at a time, in the order asked. */
  private serialize(operation: () => Promise<void>): Promise<void> {
    const next = this.queue.then(operation, operation);
    this.queue = next.catch(() => undefined);
    return next;
  }

  start(userAsked = false): Promise<void> {
    return this.serialize(() => this.doStart(userAsked));
  }

  stop(): Promise<void> {
    return this.serialize(() => this.doStop());
  }

  restart(userAsked = false): Promise<void> {
    return this.serialize(async () => {
      await this.doStop();
      await this.doStart(userAsked);
    });
  }

  private async doStart(userAsked: boolean): Promise<void> {
    this.setState({ kind: "starting" });
    const setting = vscode.workspace.getConfiguration(SECTION).get<string>("interpreter", "");
    this.interpreter = await resolveInterpreter({
      ...pathContext(),
      setting,
      pythonExtension: pythonExtensionInterpreter,
    });
    const python = this.interpreter.path;
    this.output.appendLine(`[client] interpreter ${python} (${this.interpreter.source})`);
    const found = await probe(python);
    if (found.kind !== "ok") {
      this.notRunnable(found, userAsked);
      return;
    }
    this.output.appendLine(`[client] rocm_lsp ${found.version}: starting ${python} ${SERVE_ARGS.join(" ")}`);
    const client = new LanguageClient(
      SECTION, // the client id: `rocmLsp.trace.server` sets the LSP trace
      "rocm-lsp",
      { command: python, args: SERVE_ARGS, options: { cwd: pathContext().workspaceFolder, env: process.env } },
      this.clientOptions(),
    );
    this.client = client;
    client.onDidChangeState((event) => {
      if (this.client !== client) {
        return;
      }
      // the client restarts a crashed server a few times by itself
      if (event.newState === State.Stopped && this.state.kind === "running") {
        this.setState({ kind: "failed", detail: "the server stopped; see the log" });
      } else if (event.newState === State.Running && this.state.kind === "failed") {
        this.setState({ kind: "running", version: found.version });
      }
    });
    try {
      await client.start();
      this.setState({ kind: "running", version: found.version });
    } catch (error) {
      this.output.appendLine(`[client] the server did not start: ${error}`);
      this.setState({ kind: "failed", detail: String(error) });
    }
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.setState({ kind: "stopped" });
    if (client !== undefined) {
      try {
        await client.stop(5000);
      } catch (error) {
        this.output.appendLine(`[client] stopping the server: ${error}`);
      }
    }
  }

  /** Send the current settings to a running server (it replaces all of its settings). */
  async pushSettings(): Promise<void> {
    if (this.client?.isRunning()) {
      await this.client.sendNotification("workspace/didChangeConfiguration", { settings: { [SECTION]: this.options() } });
    }
  }

  /** A server command through the client; undefined when the server is not running. */
  async execute<T>(command: string, args: unknown[]): Promise<T | undefined> {
    if (!this.client?.isRunning()) {
      return undefined;
    }
    return this.client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }) as Promise<T>;
  }

  /** Ask VS Code for the code lenses again (e.g. after the workspace became trusted). */
  refreshLenses(): void {
    const feature = this.client?.getFeature(CodeLensRequest.method);
    for (const document of vscode.workspace.textDocuments) {
      feature?.getProvider(document)?.onDidChangeCodeLensEmitter.fire();
    }
  }

  /** When a template opens and the server could not start, say so (once a session). */
  templateOpened(document: vscode.TextDocument): void {
    if (isTemplate(document) && (this.state.kind === "missing" || this.state.kind === "failed") && !this.prompted) {
      void this.explain(this.state);
    }
  }

  private notRunnable(found: Exclude<ProbeOutcome, { kind: "ok" }>, userAsked: boolean): void {
    const python = this.interpreter?.path ?? "python3";
    const state: ServerState =
      found.kind === "missing" ? { kind: "missing" } : { kind: "failed", detail: `${python}: ${found.detail}` };
    this.output.appendLine(`[client] ${found.kind === "missing" ? `rocm_lsp is not installed in ${python}` : `${python}: ${found.detail}`}`);
    this.setState(state);
    // Python files alone activate the extension: do not nag Python users who have no templates.
    if (userAsked || vscode.workspace.textDocuments.some(isTemplate)) {
      void this.explain(state);
    }
  }

  private async explain(state: ServerState): Promise<void> {
    this.prompted = true;
    const python = this.interpreter?.path ?? "python3";
    const message =
      state.kind === "missing"
        ? `rocm-lsp is not installed in ${python}. Install it there with pip?`
        : `rocm-lsp cannot start: ${state.kind === "failed" ? state.detail : ""}`;
    const actions = state.kind === "missing" ? ["Install", "Choose Interpreter", "Show Log"] : ["Choose Interpreter", "Show Log"];
    const choice = await vscode.window.showWarningMessage(message, ...actions);
    if (choice === "Install") {
      await this.install();
    } else if (choice === "Choose Interpreter") {
      await vscode.commands.executeCommand("workbench.action.openSettings", `${SECTION}.interpreter`);
    } else if (choice === "Show Log") {
      this.output.show(true);
    }
  }

  /** `<python> -m pip install <rocmLsp.installSource>`, shown in the log, then start. */
  async install(): Promise<void> {
    const python = this.interpreter?.path ?? "python3";
    const setting = vscode.workspace.getConfiguration(SECTION).get<string>("installSource", "rocm-lsp") || "rocm-lsp";
    const looksLikePath = setting.includes("/") || setting.startsWith("~") || setting.startsWith("${");
    const source = looksLikePath ? expandPath(setting, pathContext()) : setting;
    const isFolder = looksLikePath && fs.existsSync(source) && fs.statSync(source).isDirectory();
    const args = installArgs(source, isFolder);
    this.output.appendLine(`[client] ${python} ${args.join(" ")}`);
    this.output.show(true);
    const code = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Installing rocm-lsp into ${python}` },
      () =>
        new Promise<number>((resolve) => {
          const child = spawn(python, args, { cwd: pathContext().workspaceFolder });
          child.stdout.on("data", (chunk: Buffer) => this.output.append(chunk.toString()));
          child.stderr.on("data", (chunk: Buffer) => this.output.append(chunk.toString()));
          child.on("error", (error) => {
            this.output.appendLine(String(error));
            resolve(-1);
          });
          child.on("close", (exitCode) => resolve(exitCode ?? -1));
        }),
    );
    if (code === 0) {
      await this.restart();
      return;
    }
    const choice = await vscode.window.showErrorMessage(`pip install failed (exit code ${code}).`, "Show Log");
    if (choice === "Show Log") {
      this.output.show(true);
    }
  }

  private clientOptions(): LanguageClientOptions {
    return {
      documentSelector: DOCUMENT_SELECTOR,
      outputChannel: this.output,
      initializationOptions: this.options(),
      middleware: this.middleware(),
    };
  }

  private middleware(): Middleware {
    return {
      // Compile and Benchmark (palette, title bar and lenses alike) refuse in Restricted Mode.
      executeCommand: async (command, args, next) => {
        if (needsTrust(command) && !vscode.workspace.isTrusted) {
          void explainRestricted();
          return undefined;
        }
        const result = await next(command, args);
        // the compile outcome as a message too (the server reports benchmarks itself)
        if (command === "rocm-lsp.compile" && typeof result === "string") {
          void vscode.window.showInformationMessage(`rocm-lsp: ${result}`);
        }
        return result;
      },
      provideCodeLenses: async (document, token, next) => {
        const lenses = await next(document, token);
        if (vscode.workspace.isTrusted || !lenses) {
          return lenses;
        }
        for (const lens of lenses) {
          if (lens.command !== undefined && needsTrust(lens.command.command)) {
            lens.command.title = restrictedTitle(lens.command.title);
            lens.command.tooltip = RESTRICTED_EXPLANATION;
          }
        }
        return lenses;
      },
      window: {
        // The generated C++ opens beside the template, keeping the focus there.
        showDocument: async (params, next) => {
          if (params.external || !params.uri.endsWith(PREVIEW_SUFFIX)) {
            const answer = await next(params, new vscode.CancellationTokenSource().token);
            return answer instanceof ResponseError ? { success: false } : answer;
          }
          const uri = vscode.Uri.parse(params.uri);
          await vscode.window.showTextDocument(uri, {
            viewColumn: vscode.ViewColumn.Beside,
            preserveFocus: !params.takeFocus,
            preview: false,
          });
          return { success: true };
        },
      },
      workspace: {
        // The server asks for section `rocmLsp`: answer with its own keys, not the raw settings.
        configuration: async (params, token, next) => {
          const answers = await next(params, token);
          if (!Array.isArray(answers)) {
            return answers;
          }
          return answers.map((answer, i) => (params.items[i]?.section === SECTION ? this.options() : answer));
        },
      },
    };
  }

  dispose(): void {
    void this.stop();
    this.changed.dispose();
  }
}

export async function explainRestricted(): Promise<void> {
  const choice = await vscode.window.showWarningMessage(RESTRICTED_EXPLANATION, "Manage Workspace Trust");
  if (choice === "Manage Workspace Trust") {
    await vscode.commands.executeCommand("workbench.trust.manage");
  }
}

export { isTemplate };
