// Pure: what Restricted Mode (an untrusted workspace) withholds, and how that is explained.

import {
  ASSEMBLY_COMMAND,
  BENCHMARK_COMMAND,
  COMPARE_COMMAND,
  COMPILE_COMMAND,
  TORCH_CHOICES_COMMAND,
  TORCH_PREVIEW_COMMAND,
  TUNE_COMMAND,
} from "./contract";

/** Server commands that run programs on the workspace's files: a compiler, the benchmark worker. */
export const TRUSTED_ONLY_COMMANDS: ReadonlySet<string> = new Set([
  COMPILE_COMMAND,
  BENCHMARK_COMMAND,
  ASSEMBLY_COMMAND,
  COMPARE_COMMAND,
  TUNE_COMMAND,
  TORCH_PREVIEW_COMMAND,
  TORCH_CHOICES_COMMAND,
]);

export const RESTRICTED_EXPLANATION =
  "rocm-lsp does not compile, benchmark, tune, show assembly, compare targets or render with torch in Restricted Mode: they " +
  "run a compiler and a Python interpreter on this workspace's files. Trust the workspace to enable them; hover, diagnostics " +
  "and the generated C++ work either way.";

export function needsTrust(command: string): boolean {
  return TRUSTED_ONLY_COMMANDS.has(command);
}

/** A Compile/Benchmark lens title as shown in an untrusted workspace. */
export function restrictedTitle(title: string): string {
  const action = title.split(/[\s:(✓✗]/u, 1)[0] || title;
  return `${action} (Restricted Mode)`;
}
