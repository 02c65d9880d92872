// The wire contract with the server, as `server/rocm_lsp/lsp/contract.py` states it: the
// `workspace/executeCommand` ids, the file suffixes both sides match names by, and the status
// result. tests/test_contract.py checks that the two files agree and that no other module here
// spells these values.

export const PREVIEW_COMMAND = "rocm-lsp.preview";
export const RENDER_COMMAND = "rocm-lsp.render";
export const COMPILE_COMMAND = "rocm-lsp.compile";
export const BENCHMARK_COMMAND = "rocm-lsp.benchmark";
export const STATUS_COMMAND = "rocm-lsp.status";
export const ASSEMBLY_COMMAND = "rocm-lsp.assembly";
export const COMPARE_COMMAND = "rocm-lsp.compareTargets";
export const TUNE_COMMAND = "rocm-lsp.tune";
export const APPLY_TUNED_COMMAND = "rocm-lsp.applyTuned";
export const TORCH_PREVIEW_COMMAND = "rocm-lsp.previewWithTorch";
export const TORCH_CHOICES_COMMAND = "rocm-lsp.torchChoices";

export const TEMPLATE_SUFFIX = ".hip.jinja";
export const PREVIEW_SUFFIX = ".generated.hip.cpp";

export type Backend = "hipcc" | "nvcc" | "clang" | "none";

/** The `STATUS_COMMAND` result. */
export interface Status {
  profile: string;
  profileReason: string;
  backend: Backend;
  held: Record<string, number>;
}
