// The status bar item: the active template's profile and the GPU backend (`rocm-lsp.status`).

import * as vscode from "vscode";

import { STATUS_COMMAND, type Status } from "./contract";
import { isTemplate, type ServerController } from "./server";

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("rocmLsp.status", vscode.StatusBarAlignment.Right, 100);
  private timer: NodeJS.Timeout | undefined;
  private generation = 0;

  constructor(private readonly server: ServerController) {
    this.item.name = "rocm-lsp";
  }

  /** Refresh soon (edits to the header can change the profile). */
  schedule(delayMs = 300): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), delayMs);
  }

  async refresh(): Promise<void> {
    const generation = ++this.generation;
    const document = vscode.window.activeTextEditor?.document;
    if (document === undefined || !isTemplate(document)) {
      this.item.hide();
      return;
    }
    const state = this.server.state;
    const interpreter = this.server.interpreter?.path ?? "?";
    const chosen = this.server.interpreter?.source === "setting";
    if (state.kind !== "running") {
      const look = {
        stopped: ["$(circle-slash) rocm-lsp", "The server is stopped.", "rocmLsp.restartServer"],
        starting: ["$(sync~spin) rocm-lsp", "Starting the server…", "rocmLsp.showLog"],
        missing: [
          "$(warning) rocm-lsp: not installed",
          chosen
            ? `rocm-lsp is not installed in ${interpreter} (rocmLsp.interpreter): click to install it there.`
            : `rocm-lsp's server is not installed: click to install it into a private environment in the extension's storage (${this.server.privateEnvironment}).`,
          "rocmLsp.installServer",
        ],
        failed: ["$(error) rocm-lsp", `The server is not running: ${state.kind === "failed" ? state.detail : ""}`, "rocmLsp.showLog"],
      }[state.kind];
      this.show(look[0], look[1], look[2], `rocm-lsp ${state.kind}`);
      return;
    }
    let status: Status | undefined;
    try {
      status = await this.server.execute<Status>(STATUS_COMMAND, [document.uri.toString()]);
    } catch {
      status = undefined;
    }
    if (generation !== this.generation || status === undefined) {
      return;
    }
    const reason = status.profileReason ? ` (${status.profileReason})` : ""; // why this profile
    const tooltip = new vscode.MarkdownString(
      `**rocm-lsp** ${state.version}\n\n` +
        `- profile: \`${status.profile}\`${reason}\n- GPU backend: \`${status.backend}\`\n- interpreter: \`${interpreter}\` (${this.server.interpreter?.source})\n\n` +
        "Click to select the profile.",
    );
    this.show(
      `$(circuit-board) ${status.profile} · ${status.backend}`,
      tooltip,
      "rocmLsp.selectProfile",
      `rocm-lsp profile ${status.profile}, GPU backend ${status.backend}`,
    );
  }

  private show(text: string, tooltip: string | vscode.MarkdownString, command: string, label: string): void {
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.command = command;
    this.item.accessibilityInformation = { label };
    this.item.show();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.item.dispose();
  }
}
