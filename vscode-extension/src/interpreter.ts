// Pure: which Python runs the server, how to probe it for rocm_lsp and how to install it there
// (no `vscode` import, so `npm test` runs this without an editor).

import * as path from "node:path";

export type InterpreterSource = "setting" | "private environment" | "Python extension" | "default";

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
  /** The private environment's Python, when the extension has installed the server there. */
  privatePython?: string;
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

/**
 * The Pythons to try, in order, for one that has rocm_lsp: the setting alone when it is set;
 * else the private environment (when installed), then the Python extension's active
 * interpreter or, without one, `python3`.
 */
export async function interpreterCandidates(inputs: InterpreterInputs): Promise<Interpreter[]> {
  if (inputs.setting.trim() !== "") {
    return [{ path: expandPath(inputs.setting, inputs), source: "setting" }];
  }
  const candidates: Interpreter[] = [];
  if (inputs.privatePython !== undefined) {
    candidates.push({ path: inputs.privatePython, source: "private environment" });
  }
  if (inputs.pythonExtension !== undefined) {
    try {
      const found = await inputs.pythonExtension();
      if (found !== undefined && found.trim() !== "") {
        candidates.push({ path: found, source: "Python extension" });
        return candidates;
      }
    } catch {
      // an inactive or older Python extension: fall through to the default
    }
  }
  candidates.push({ path: DEFAULT_INTERPRETER, source: "default" });
  return candidates;
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

// -- installing the server ------------------------------------------------------------------

/** What pip installs: the wheel bundled in the extension, a requirement, or a checkout (editable). */
export type InstallSource =
  | { kind: "wheel"; path: string }
  | { kind: "requirement"; text: string }
  | { kind: "folder"; path: string };

/** `rocmLsp.installSource` (empty: the bundled wheel); `folder` says whether a path is a directory. */
export function installSource(setting: string, bundledWheel: string | undefined, context: PathContext, folder: (path: string) => boolean): InstallSource | undefined {
  const value = setting.trim();
  if (value === "") {
    return bundledWheel === undefined ? undefined : { kind: "wheel", path: bundledWheel };
  }
  const looksLikePath = value.includes("/") || value.startsWith("~") || value.startsWith("${") || value.startsWith(".");
  if (!looksLikePath) {
    return { kind: "requirement", text: value };
  }
  const expanded = expandPath(value, context);
  return folder(expanded) ? { kind: "folder", path: expanded } : { kind: "requirement", text: expanded };
}

/** `<python> -m pip install …` arguments for a source. */
export function installArgs(source: InstallSource): string[] {
  switch (source.kind) {
    case "wheel":
      return ["-m", "pip", "install", source.path];
    case "requirement":
      return ["-m", "pip", "install", source.text];
    case "folder":
      return ["-m", "pip", "install", "-e", source.path];
  }
}

/** The bundled wheel in the packaged extension's `server-wheel/` folder (exactly one is packaged). */
export function bundledWheel(names: string[]): string | undefined {
  return names.filter((name) => /^rocm_lsp-[^-]+-py3-none-any\.whl$/.test(name)).sort().pop();
}

/** Pythons tried, in order, as the base of the private environment (each one's version is checked). */
export const BASE_CANDIDATES = ["python3", "python3.12", "python3.11", "python3.10", "python"];

export const MINIMUM_PYTHON: readonly [number, number] = [3, 10];

/** Prints `3.11` and the executable's path on two lines. */
export const VERSION_ARGS = ["-c", "import sys; print('%d.%d' % sys.version_info[:2]); print(sys.executable)"];

export interface BasePython {
  command: string; // as found (`python3`, or the configured path)
  executable: string; // what it runs (sys.executable)
  version: string;
}

/** A VERSION_ARGS answer, when it is one and the version is at least MINIMUM_PYTHON. */
export function usableBase(command: string, stdout: string): BasePython | undefined {
  const [version = "", executable = ""] = stdout.trim().split("\n").map((line) => line.trim());
  const match = /^(\d+)\.(\d+)$/.exec(version);
  if (match === null) {
    return undefined;
  }
  const [major, minor] = [Number(match[1]), Number(match[2])];
  const [needMajor, needMinor] = MINIMUM_PYTHON;
  if (major < needMajor || (major === needMajor && minor < needMinor)) {
    return undefined;
  }
  return { command, executable: executable || command, version };
}

/** The private environment's Python inside the venv folder. */
export function venvPython(venv: string, platform: NodeJS.Platform = process.platform): string {
  return platform === "win32" ? path.join(venv, "Scripts", "python.exe") : path.join(venv, "bin", "python");
}

/** Why `python -m venv` failed, in words a person can act on. */
export function venvFailureHint(output: string, platform: NodeJS.Platform = process.platform): string {
  if (/ensurepip is not available|python3(\.\d+)?-venv/.test(output)) {
    return "This Python lacks the venv module's pip: on Debian and Ubuntu install the python3-venv package (sudo apt install python3-venv), then try again.";
  }
  if (platform === "linux") {
    return "On Debian and Ubuntu this is usually the missing python3-venv package (sudo apt install python3-venv).";
  }
  return "See the log for the Python's own message.";
}

/** The last line of a program's error output, for a one-line message. */
export function lastLine(output: string): string {
  const lines = output.trim().split("\n").map((line) => line.trim()).filter((line) => line !== "");
  return lines[lines.length - 1] ?? "";
}

/** What an Install into the private environment left there (`rocm-lsp-install.json` in the venv). */
export interface InstallRecord {
  source: string; // "bundled wheel", or rocmLsp.installSource as given
  wheel?: string; // the bundled wheel's file name and contents' SHA-256, when that was installed
  sha256?: string;
  python: string; // the base Python the venv was made with, and its version
  version: string;
}

/**
 * Whether the private environment should get the bundled wheel again at start: it was installed
 * from a bundled wheel (not from rocmLsp.installSource) and the extension now carries another.
 */
export function needsUpdate(record: InstallRecord | undefined, bundledSha256: string | undefined): boolean {
  return record?.sha256 !== undefined && bundledSha256 !== undefined && record.sha256 !== bundledSha256;
}
