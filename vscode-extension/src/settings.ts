// Pure: the extension's `rocmLsp.*` settings, as the server reads them (no `vscode` import,
// so `npm test` runs this without an editor).

/** What the server accepts (initializationOptions, workspace/configuration, didChangeConfiguration). */
export interface ServerOptions {
  profile: string | null;
  select: string[];
  ignore: string[];
  severity: Record<string, string>;
  interpreter?: string;
  benchmarkInterpreter?: string;
  compiler?: string;
  arch?: string;
  compileTimeout?: number;
  benchmarkTimeout?: number;
  occupancyFloor?: number;
  targets?: string[];
  inductor?: string;
  benchmarkDevices?: number[];
  tuneMaxConfigurations?: number;
}

/** Reads one `rocmLsp.*` value by its key below the section (`vscode.WorkspaceConfiguration.get`). */
export type SettingReader = (key: string) => unknown;

function text(value: unknown): string {
  return typeof value === "string" ? value.trim() : "";
}

function codes(value: unknown): string[] {
  if (typeof value === "string") {
    return value.split(",").map((c) => c.trim()).filter((c) => c !== "");
  }
  return Array.isArray(value) ? value.filter((c): c is string => typeof c === "string" && c.trim() !== "") : [];
}

function severities(value: unknown): Record<string, string> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return {};
  }
  const out: Record<string, string> = {};
  for (const [code, level] of Object.entries(value as Record<string, unknown>)) {
    if (typeof level === "string") {
      out[code] = level; // the server validates codes and levels and logs what it rejects
    }
  }
  return out;
}

/**
 * The server's settings object from the extension's settings: `diagnostics.*` flattened,
 * empty program settings left out (the server then discovers them), client-only keys
 * (`installSource`, `trace`) dropped. The server replaces all its settings with each object,
 * so this is always complete.
 */
export function serverOptions(get: SettingReader, interpreter?: string): ServerOptions {
  const options: ServerOptions = {
    profile: text(get("profile")) || null,
    select: codes(get("diagnostics.select")),
    ignore: codes(get("diagnostics.ignore")),
    severity: severities(get("diagnostics.severity")),
  };
  const programs: Array<[keyof ServerOptions, string]> = [
    ["interpreter", interpreter ?? text(get("interpreter"))],
    ["benchmarkInterpreter", text(get("benchmarkInterpreter"))],
    ["compiler", text(get("compiler"))],
    ["arch", text(get("arch"))],
  ];
  for (const [key, value] of programs) {
    if (value) {
      (options as unknown as Record<string, string>)[key] = value;
    }
  }
  for (const key of ["compileTimeout", "benchmarkTimeout"] as const) {
    const value = get(key);
    if (typeof value === "number" && Number.isFinite(value) && value > 0) {
      options[key] = value; // 0 or absent: the server's default
    }
  }
  const floor = get("occupancyFloor");
  if (typeof floor === "number" && Number.isInteger(floor) && floor >= 0) {
    options.occupancyFloor = floor;
  }
  const targets = codes(get("targets"));
  if (targets.length > 0) {
    options.targets = targets; // empty: the server's default (gfx942, gfx950, sm_90)
  }
  const inductor = text(get("inductor"));
  if (inductor) {
    options.inductor = inductor; // the server validates the mode and logs what it rejects
  }
  const devices = get("benchmarkDevices");
  if (Array.isArray(devices) && devices.length > 0) {
    options.benchmarkDevices = devices.filter((d): d is number => Number.isInteger(d) && d >= 0);
  }
  const most = get("tuneMaxConfigurations");
  if (typeof most === "number" && Number.isInteger(most) && most >= 1) {
    options.tuneMaxConfigurations = most;
  }
  return options;
}

/** Settings whose change needs a new server process rather than a didChangeConfiguration. */
export const RESTART_KEYS = ["interpreter", "installSource"] as const;
