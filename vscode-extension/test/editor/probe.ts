// The test probe (probe/extension.ts): built into a .vsix here, installed beside rocm-lsp by the
// harness (`extensions`), and called over 127.0.0.1 to use the VS Code API inside the editor:
// vscode.executeCodeActionProvider, vscode.workspace.applyEdit, vscode.executeDocumentRenameProvider.

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";

import { paths, poll } from "./harness";

const EXTENSION = path.join(paths.repo, "vscode-extension");

function run(command: string, args: string[], cwd: string): void {
  const done = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 120_000 });
  if (done.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed:\n${done.stdout}\n${done.stderr}`);
  }
}

/** The probe as a .vsix in a fresh temp folder (bundled by esbuild, packaged by vsce). */
export function buildProbe(): { vsix: string; folder: string } {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "rocm-lsp-probe-"));
  const bin = path.join(EXTENSION, "node_modules/.bin");
  run(path.join(bin, "esbuild"), [path.join(EXTENSION, "test/editor/probe/extension.ts"), "--bundle", "--platform=node", "--format=cjs", "--target=node18", "--external:vscode", `--outfile=${path.join(folder, "extension.js")}`, "--log-level=warning"], folder);
  const manifest = {
    name: "rocm-lsp-test-probe",
    displayName: "rocm-lsp test probe",
    description: "Test-only: the VS Code API for rocm-lsp's editor tests, on 127.0.0.1.",
    version: "0.0.1",
    publisher: "rocm-lsp-tests",
    engines: { vscode: "^1.82.0" },
    main: "./extension.js",
    files: ["extension.js", "README.md"],
    activationEvents: ["onStartupFinished"],
    capabilities: { untrustedWorkspaces: { supported: true } },
  };
  fs.writeFileSync(path.join(folder, "package.json"), JSON.stringify(manifest, null, 2));
  fs.writeFileSync(path.join(folder, "README.md"), "# rocm-lsp test probe\n\nInstalled by rocm-lsp's editor tests only.\n");
  const vsix = path.join(folder, "probe.vsix");
  run(process.execPath, [path.join(EXTENSION, "node_modules/@vscode/vsce/vsce"), "package", "--no-dependencies", "--allow-missing-repository", "--skip-license", "--out", vsix], folder);
  return { vsix, folder };
}

/** Calls into the probe running in the editor's extension host. */
export class Probe {
  private port: number | undefined;

  constructor(private readonly portFile: string) {}

  /** Wait until the probe has started in the editor (it writes its port when it listens). */
  async ready(timeoutMs = 60_000): Promise<void> {
    this.port = await poll("the test probe to listen", async () => {
      const text = fs.existsSync(this.portFile) ? fs.readFileSync(this.portFile, "utf8").trim() : "";
      return text === "" ? undefined : Number(text);
    }, timeoutMs);
  }

  call<T>(op: string, args: Record<string, unknown>): Promise<T> {
    if (this.port === undefined) {
      return Promise.reject(new Error("the probe is not ready"));
    }
    const body = JSON.stringify({ op, ...args });
    return new Promise((resolve, reject) => {
      const request = http.request({ host: "127.0.0.1", port: this.port, method: "POST", path: "/", timeout: 60_000 }, (response) => {
        let text = "";
        response.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
        response.on("end", () => {
          try {
            const answer = JSON.parse(text) as { value?: T; error?: string };
            if (answer.error !== undefined) {
              reject(new Error(`probe ${op}: ${answer.error}`));
            } else {
              resolve(answer.value as T);
            }
          } catch (error) {
            reject(error);
          }
        });
      });
      request.on("error", reject);
      request.on("timeout", () => request.destroy(new Error(`probe ${op}: no answer in 60 s`)));
      request.end(body);
    });
  }
}
