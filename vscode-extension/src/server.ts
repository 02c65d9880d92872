// Starting, stopping and installing the server: `<python> -m rocm_lsp serve` on stdio.

import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
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

import { COMPILE_COMMAND, TEMPLATE_SUFFIX } from "./contract";
import {
  BASE_CANDIDATES,
  type BasePython,
  bundledWheel,
  classifyProbe,
  installArgs,
  type InstallRecord,
  type InstallSource,
  installSource,
  type Interpreter,
  interpreterCandidates,
  lastLine,
  MINIMUM_PYTHON,
  needsUpdate,
  type PathContext,
  PROBE_ARGS,
  type ProbeOutcome,
  SERVE_ARGS,
  usableBase,
  VERSION_ARGS,
  venvFailureHint,
  venvPython,
} from "./interpreter";
import { serverOptions } from "./settings";
import { needsTrust, RESTRICTED_EXPLANATION, restrictedTitle } from "./trust";

export const SECTION = "rocmLsp";

export const DOCUMENT_SELECTOR = [
  { scheme: "file", language: "hip-jinja" },
  { scheme: "file", pattern: `**/*${TEMPLATE_SUFFIX}` },
  { scheme: "file", language: "python" }, // Inductor's template modules; ordinary ones stay silent
];

export type ServerState =
  | { kind: "stopped" }
  | { kind: "starting" }
  | { kind: "running"; version: string }
  | { kind: "missing" } // rocm_lsp is not installed in the interpreter
  | { kind: "failed"; detail: string };

function isTemplate(document: vscode.TextDocument): boolean {
  return document.languageId === "hip-jinja" || document.uri.path.endsWith(TEMPLATE_SUFFIX);
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

/** The first Python >= 3.10 among `commands` (each one's version checked), for the private environment. */
async function findBasePython(commands: string[], log: (line: string) => void): Promise<BasePython | undefined> {
  for (const command of commands) {
    const answer = await new Promise<string | undefined>((resolve) => {
      execFile(command, VERSION_ARGS, { timeout: 30_000 }, (error, stdout) => resolve(error === null ? stdout : undefined));
    });
    const base = answer === undefined ? undefined : usableBase(command, answer);
    const verdict = base !== undefined ? `Python ${base.version} (${base.executable})` : answer === undefined ? "does not run" : `not a Python >= 3.10: ${answer.trim().split("\n")[0]}`;
    log(`[client] ${command}: ${verdict}`);
    if (base !== undefined) {
      return base;
    }
  }
  return undefined;
}

function sha256(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** How an Install ended: done, or a message with the buttons that help. */
type InstallOutcome = { ok: true } | { ok: false; message: string; actions: string[] };

const INSTALL_RECORD = "rocm-lsp-install.json";

const CANCELLED: InstallOutcome = { ok: false, message: "rocm-lsp: the install was cancelled.", actions: [] };

const NO_WHEEL: InstallOutcome = {
  ok: false,
  message:
    "rocm-lsp: this build of the extension carries no server wheel (server-wheel/ is empty: package it with npm run package). " +
    "Set rocmLsp.installSource to a rocm-lsp checkout or requirement to install that instead.",
  actions: ["Show Log"],
};

/** Where the extension keeps things: its global storage (the private environment) and its own folder. */
export interface ExtensionPaths {
  storage: string;
  extension: string;
}

export class ServerController implements vscode.Disposable {
  client: LanguageClient | undefined;
  interpreter: Interpreter | undefined;
  state: ServerState = { kind: "stopped" };
  private readonly changed = new vscode.EventEmitter<ServerState>();
  readonly onDidChangeState = this.changed.event;
  private prompted = false;
  private installing = false;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly output: vscode.OutputChannel,
    private readonly paths: ExtensionPaths,
  ) {}

  /** The private environment: a venv in the extension's global storage. */
  get privateEnvironment(): string {
    return path.join(this.paths.storage, "venv");
  }

  /** What the last Install into the private environment recorded; undefined when none finished. */
  private installRecord(): InstallRecord | undefined {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.privateEnvironment, INSTALL_RECORD), "utf8")) as InstallRecord;
    } catch {
      return undefined;
    }
  }

  /** The server wheel packaged in the extension (`server-wheel/rocm_lsp-*.whl`). */
  private bundledWheel(): string | undefined {
    const folder = path.join(this.paths.extension, "server-wheel");
    const name = bundledWheel(fs.existsSync(folder) ? fs.readdirSync(folder) : []);
    return name === undefined ? undefined : path.join(folder, name);
  }

  /** What Install puts in: `rocmLsp.installSource` when set, else the bundled wheel. */
  private installSource(): InstallSource | undefined {
    const setting = vscode.workspace.getConfiguration(SECTION).get<string>("installSource", "");
    return installSource(setting, this.bundledWheel(), pathContext(), (p) => fs.existsSync(p) && fs.statSync(p).isDirectory());
  }

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
    const record = this.installRecord();
    const candidates = await interpreterCandidates({
      ...pathContext(),
      setting,
      privatePython: record === undefined ? undefined : venvPython(this.privateEnvironment),
      pythonExtension: pythonExtensionInterpreter,
    });
    let found: ProbeOutcome = { kind: "no-interpreter", detail: "no interpreter to try" };
    for (const candidate of candidates) {
      this.interpreter = candidate;
      if (candidate.source === "private environment") {
        await this.updatePrivateEnvironment(record);
      }
      found = await probe(candidate.path);
      const outcome = found.kind === "ok" ? `rocm_lsp ${found.version}` : found.kind === "missing" ? "no rocm_lsp" : found.detail;
      this.output.appendLine(`[client] interpreter ${candidate.path} (${candidate.source}): ${outcome}`);
      if (found.kind === "ok") {
        break;
      }
    }
    if (found.kind !== "ok") {
      this.notRunnable(found, userAsked);
      return;
    }
    const version = found.version;
    const python = this.interpreter!.path;
    this.output.appendLine(`[client] starting ${python} ${SERVE_ARGS.join(" ")}`);
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
        this.setState({ kind: "running", version });
      }
    });
    try {
      await client.start();
      this.setState({ kind: "running", version });
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

  /**
   * No candidate runs rocm_lsp. With `rocmLsp.interpreter` set, that interpreter is the user's
   * choice: missing there is "missing", anything else "failed". Without it, whatever the
   * candidates said, the private environment is the way out: "missing".
   */
  private notRunnable(found: Exclude<ProbeOutcome, { kind: "ok" }>, userAsked: boolean): void {
    const chosen = this.interpreter?.source === "setting";
    const python = this.interpreter?.path ?? "python3";
    const state: ServerState =
      found.kind === "missing" || !chosen ? { kind: "missing" } : { kind: "failed", detail: `${python}: ${found.detail}` };
    this.output.appendLine(`[client] ${state.kind === "missing" ? "rocm-lsp's server is not installed where the extension looks" : state.detail}`);
    this.setState(state);
    // Python files alone activate the extension: do not nag Python users who have no templates.
    if (userAsked || vscode.workspace.textDocuments.some(isTemplate)) {
      void this.explain(state);
    }
  }

  /** `rocmLsp.installSource` in words, or the bundled wheel. */
  private sourceInWords(): string {
    const source = this.installSource();
    return source === undefined || source.kind === "wheel"
      ? "the server wheel bundled with this extension"
      : `${source.kind === "folder" ? source.path : source.text} (rocmLsp.installSource)`;
  }

  private async explain(state: ServerState): Promise<void> {
    this.prompted = true;
    const python = this.interpreter;
    let message: string;
    let actions: string[];
    if (state.kind !== "missing") {
      message = `rocm-lsp cannot start: ${state.kind === "failed" ? state.detail : ""}`;
      actions = ["Choose Interpreter", "Show Log"];
    } else if (python?.source === "setting") {
      message =
        `rocm-lsp is not installed in ${python.path} (rocmLsp.interpreter). Install it there with pip, from ` +
        `${this.sourceInWords()}? Or clear rocmLsp.interpreter to let the extension install the server into a ` +
        "private environment of its own.";
      actions = [`Install into ${python.path}`, "Choose Interpreter", "Show Log"];
    } else {
      const lead =
        this.installRecord() === undefined
          ? "rocm-lsp's language server is not installed."
          : "rocm-lsp's private environment no longer runs the server (see the log).";
      message =
        `${lead} Install creates a private Python environment for it in ` +
        `the extension's storage (${this.privateEnvironment}) and installs ${this.sourceInWords()} there; pip ` +
        "fetches its dependencies from your package index. Your own Python is not touched. To use it instead, " +
        "set rocmLsp.interpreter to a Python that has rocm-lsp.";
      actions = ["Install", ...(python?.source === "Python extension" ? [`Install into ${python.path}`] : []), "Choose Interpreter", "Show Log"];
    }
    const choice = await vscode.window.showWarningMessage(message, ...actions);
    if (choice === "Install") {
      await this.installPrivate();
    } else if (choice !== undefined && choice.startsWith("Install into ") && python !== undefined) {
      await this.installInto(python.path);
    } else if (choice === "Choose Interpreter") {
      await vscode.commands.executeCommand("workbench.action.openSettings", `${SECTION}.interpreter`);
    } else if (choice === "Show Log") {
      this.output.show(true);
    }
  }

  /** `rocm-lsp: Install the Server`: into `rocmLsp.interpreter` when it is set, else the private environment. */
  async install(): Promise<void> {
    const setting = vscode.workspace.getConfiguration(SECTION).get<string>("interpreter", "");
    if (setting.trim() !== "") {
      const [chosen] = await interpreterCandidates({ ...pathContext(), setting });
      await this.installInto(chosen!.path);
    } else {
      await this.installPrivate();
    }
  }

  /** Run a program, its output into the log; the exit code (null: it did not run or was cancelled) and its output. */
  private run(command: string, args: string[], token?: vscode.CancellationToken): Promise<{ code: number | null; output: string }> {
    this.output.appendLine(`[client] ${command} ${args.join(" ")}`);
    return new Promise((resolve) => {
      let output = "";
      const child = spawn(command, args, { cwd: pathContext().workspaceFolder ?? os.homedir(), env: process.env });
      const cancel = token?.onCancellationRequested(() => child.kill());
      const take = (chunk: Buffer) => {
        output += chunk.toString();
        this.output.append(chunk.toString());
      };
      child.stdout.on("data", take);
      child.stderr.on("data", take);
      child.on("error", (error) => {
        output += String(error);
        this.output.appendLine(String(error));
      });
      child.on("close", (code) => {
        cancel?.dispose();
        resolve({ code: token?.isCancellationRequested ? null : code, output });
      });
    });
  }

  /** An Install under a progress notification, then a start, or the failure's message with its buttons. */
  private async runInstall(
    title: string,
    work: (source: InstallSource, progress: vscode.Progress<{ message?: string }>, token: vscode.CancellationToken) => Promise<InstallOutcome>,
  ): Promise<void> {
    if (this.installing) {
      void vscode.window.showInformationMessage("rocm-lsp: an install is already running.");
      return;
    }
    this.installing = true;
    let outcome: InstallOutcome;
    try {
      outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
        const source = this.installSource();
        try {
          return source === undefined ? NO_WHEEL : await work(source, progress, token);
        } catch (error) {
          this.output.appendLine(`[client] the install failed: ${error}`);
          return { ok: false, message: `rocm-lsp: the install failed: ${error}`, actions: ["Show Log"] };
        }
      });
    } finally {
      this.installing = false;
    }
    if (outcome.ok) {
      await this.restart();
      if (this.state.kind === "running") {
        void vscode.window.showInformationMessage(`rocm-lsp ${this.state.version} is installed and running (${this.interpreter?.path}).`);
      }
      return;
    }
    const choice = await vscode.window.showErrorMessage(outcome.message, ...outcome.actions);
    if (choice === "Show Log") {
      this.output.show(true);
    } else if (choice === "Choose Interpreter") {
      await vscode.commands.executeCommand("workbench.action.openSettings", `${SECTION}.interpreter`);
    }
  }

  /**
   * Install into the private environment: a venv in the extension's global storage, made from
   * the first Python >= 3.10 found (the Python extension's, then `python3`, `python3.12`, …
   * on PATH), with `rocmLsp.installSource` or the bundled wheel installed by its pip.
   */
  async installPrivate(): Promise<void> {
    const venv = this.privateEnvironment;
    await this.runInstall("Installing rocm-lsp", async (source, progress, token) => {
      if (this.interpreter?.source === "private environment") {
        await this.stop(); // its files are about to be replaced
      }
      progress.report({ message: `finding Python ${MINIMUM_PYTHON.join(".")} or newer` });
      const pythonExtension = await pythonExtensionInterpreter().catch(() => undefined);
      const commands = [...(pythonExtension ? [pythonExtension] : []), ...BASE_CANDIDATES];
      const base = await findBasePython(commands, (line) => this.output.appendLine(line));
      if (base === undefined) {
        return {
          ok: false,
          message: `rocm-lsp: no Python ${MINIMUM_PYTHON.join(".")} or newer was found to make the private environment with (tried ${commands.join(", ")} on PATH). Install one, or set rocmLsp.interpreter to a Python that has rocm-lsp.`,
          actions: ["Choose Interpreter", "Show Log"],
        };
      }
      progress.report({ message: `creating a private environment with Python ${base.version} in ${venv}` });
      fs.rmSync(venv, { recursive: true, force: true });
      fs.mkdirSync(path.dirname(venv), { recursive: true });
      const made = await this.run(base.executable, ["-m", "venv", venv], token);
      if (made.code !== 0) {
        fs.rmSync(venv, { recursive: true, force: true });
        return made.code === null
          ? CANCELLED
          : {
              ok: false,
              message: `rocm-lsp: could not create the private environment with ${base.executable} -m venv (exit code ${made.code}: ${lastLine(made.output)}). ${venvFailureHint(made.output)}`,
              actions: ["Show Log"],
            };
      }
      const installed = await this.pipInstall(venvPython(venv), source, progress, token);
      if (!installed.ok) {
        fs.rmSync(venv, { recursive: true, force: true }); // no half environment is ever found at start
        return installed;
      }
      const record: InstallRecord =
        source.kind === "wheel"
          ? { source: "bundled wheel", wheel: path.basename(source.path), sha256: sha256(source.path), python: base.executable, version: base.version }
          : { source: source.kind === "folder" ? source.path : source.text, python: base.executable, version: base.version };
      fs.writeFileSync(path.join(venv, INSTALL_RECORD), JSON.stringify(record, null, 2));
      return { ok: true };
    });
  }

  /** Install into an interpreter the user chose (`rocmLsp.interpreter` or the Python extension's). */
  async installInto(python: string): Promise<void> {
    await this.runInstall(`Installing rocm-lsp into ${python}`, (source, progress, token) => this.pipInstall(python, source, progress, token));
  }

  private async pipInstall(
    python: string,
    source: InstallSource,
    progress: vscode.Progress<{ message?: string }>,
    token: vscode.CancellationToken,
  ): Promise<InstallOutcome> {
    progress.report({ message: `pip: installing ${source.kind === "wheel" ? path.basename(source.path) : source.kind === "folder" ? source.path : source.text} and its dependencies` });
    const pip = await this.run(python, installArgs(source), token);
    if (pip.code === 0) {
      return { ok: true };
    }
    return pip.code === null
      ? CANCELLED
      : {
          ok: false,
          message: `rocm-lsp: pip could not install the server into ${python} (exit code ${pip.code}: ${lastLine(pip.output)}). Its dependencies come from your package index, as pip is configured (pip.conf, PIP_* variables).`,
          actions: ["Show Log"],
        };
  }

  /** A newer extension carries another wheel: put it into the private environment before starting. */
  private async updatePrivateEnvironment(record: InstallRecord | undefined): Promise<void> {
    const wheel = this.bundledWheel();
    if (wheel === undefined || !needsUpdate(record, sha256(wheel))) {
      return;
    }
    const python = venvPython(this.privateEnvironment);
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: "Updating rocm-lsp's private environment to the server bundled with this extension" },
      async () => {
        const replaced = await this.run(python, ["-m", "pip", "install", "--force-reinstall", "--no-deps", wheel]);
        const completed = replaced.code === 0 ? await this.run(python, ["-m", "pip", "install", wheel]) : replaced; // new dependencies
        if (completed.code === 0) {
          fs.writeFileSync(path.join(this.privateEnvironment, INSTALL_RECORD), JSON.stringify({ ...record, wheel: path.basename(wheel), sha256: sha256(wheel) }, null, 2));
        } else {
          void vscode.window.showWarningMessage(`rocm-lsp: updating the private environment failed (${lastLine(completed.output)}); the server installed before starts.`, "Show Log").then((choice) => {
            if (choice === "Show Log") {
              this.output.show(true);
            }
          });
        }
      },
    );
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
        if (command === COMPILE_COMMAND && typeof result === "string") {
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
        // What the server generates (the C++ preview, an assembly view, the target table) opens
        // beside the template, at the selection asked for, keeping the focus unless asked for.
        showDocument: async (params, next) => {
          if (params.external) {
            const answer = await next(params, new vscode.CancellationTokenSource().token);
            return answer instanceof ResponseError ? { success: false } : answer;
          }
          const uri = vscode.Uri.parse(params.uri);
          const at = params.selection;
          const selection = at ? new vscode.Range(at.start.line, at.start.character, at.end.line, at.end.character) : undefined;
          await vscode.window.showTextDocument(uri, {
            viewColumn: vscode.ViewColumn.Beside,
            preserveFocus: !params.takeFocus,
            preview: false,
            selection,
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
