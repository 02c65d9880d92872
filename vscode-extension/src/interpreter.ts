// Pure: which Python runs the server, how to probe it for rocm_lsp and how to install it there
// (no `vscode` import, so `npm test` runs this without an editor).

import * as path from "node:path";

export type InterpreterSource = "setting" | "Python extension" | "default";

export interface Interpreter {
  path: string;
  source: InterpreterSource;
}

export interface PathContext {
  workspaceFolder?: string;
  home: string;
  env: Record<string, string | undefined>;
}

export interface InterpreterInputs extends PathContext {
  /** `rocmLsp.interpreter` */
  setting: string;
  /** The Python extension's active interpreter, when that extension is installed. */
  pythonExtension?: () => Promise<string | undefined>;
}

export const DEFAULT_INTERPRETER = "python3";

/**
 * `${workspaceFolder}`, `${userHome}`, `${env:NAME}` and a leading `~` expanded; a relative path
 * with a separator (`.venv/bin/python`) is taken from the workspace folder; a bare name
 * (`python3`) is left for the PATH.
 */
export function expandPath(value: string, context: PathContext): string {
  let out = value.trim();
  out = out.replace(/\$\{userHome\}/g, context.home);
  out = out.replace(/\$\{env:([^}]+)\}/g, (_, name: string) => context.env[name] ?? "");
  if (context.workspaceFolder !== undefined) {
    out = out.replace(/\$\{workspaceFolder\}/g, context.workspaceFolder);
  }
  if (out === "~" || out.startsWith("~/")) {
    out = path.join(context.home, out.slice(1));
  }
  if (!path.isAbsolute(out) && out.includes("/") && context.workspaceFolder !== undefined) {
    out = path.join(context.workspaceFolder, out);
  }
  return out;
}

/** The setting, else the Python extension's active interpreter, else `python3`. */
export async function resolveInterpreter(inputs: InterpreterInputs): Promise<Interpreter> {
  if (inputs.setting.trim() !== "") {
    return { path: expandPath(inputs.setting, inputs), source: "setting" };
  }
  if (inputs.pythonExtension !== undefined) {
    try {
      const found = await inputs.pythonExtension();
      if (found !== undefined && found.trim() !== "") {
        return { path: found, source: "Python extension" };
      }
    } catch {
      // an inactive or older Python extension: fall through to the default
    }
  }
  return { path: DEFAULT_INTERPRETER, source: "default" };
}

/** `<python> -m rocm_lsp serve` on stdio. */
export const SERVE_ARGS = ["-m", "rocm_lsp", "serve"];

/** Prints rocm_lsp's version, or fails with ModuleNotFoundError where it is not installed. */
export const PROBE_ARGS = ["-c", "import sys, rocm_lsp; sys.stdout.write(rocm_lsp.__version__)"];

export type ProbeOutcome =
  | { kind: "ok"; version: string }
  | { kind: "missing" } // the interpreter runs, rocm_lsp is not importable
  | { kind: "broken"; detail: string } // rocm_lsp is there but fails to import
  | { kind: "no-interpreter"; detail: string };

export interface ProbeResult {
  spawnError?: string; // e.g. ENOENT: the interpreter does not exist
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export function classifyProbe(result: ProbeResult): ProbeOutcome {
  if (result.spawnError !== undefined) {
    return { kind: "no-interpreter", detail: result.spawnError };
  }
  if (result.exitCode === 0) {
    return { kind: "ok", version: result.stdout.trim() };
  }
  if (/No module named '?rocm_lsp'?/.test(result.stderr)) {
    return { kind: "missing" };
  }
  const lines = result.stderr.trim().split("\n");
  return { kind: "broken", detail: lines[lines.length - 1] || `exit code ${result.exitCode}` };
}

/** `pip install` arguments: a checkout (a folder) is installed editable, anything else as a requirement. */
export function installArgs(source: string, isFolder: boolean): string[] {
  const what = source.trim() || "rocm-lsp";
  return ["-m", "pip", "install", ...(isFolder ? ["-e", what] : [what])];
}
