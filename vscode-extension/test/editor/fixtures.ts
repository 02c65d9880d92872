// What the editor tests open, and what they expect the server to say about it.

import * as fs from "node:fs";
import * as path from "node:path";

import { paths } from "./harness";

export const FILE = "gemm_bias_fp16.hip.jinja";
export const TEMPLATE = fs.readFileSync(path.join(paths.repo, "templates", FILE), "utf8");
export const DEF_KERNEL_LINE = TEMPLATE.split("\n").findIndex((line) => line.includes("kernel.def_kernel(")) + 1;
/** The GEMM's inner product: the template line with the most gfx942 instructions (its FMAs). */
export const FMA_LINE = TEMPLATE.split("\n").findIndex((line) => line.includes("acc[i][j] = fmaf(a[i], b[j], acc[i][j]);")) + 1;
/** The start of the hover on def_kernel: the C++ signature it generates. */
export const SIGNATURE = "PT_EXPORT int gemm_bias_fp16(const half* X, const half* W, const half* Bias, half* Y, const long ks0";

/** A template whose C++ does not compile (as tests/e2e/test_lsp_gpu_commands.py): the error is on line 7. */
export const BROKEN_FILE = "broken_cpp.hip.jinja";
export const BROKEN_CPP = `{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [64] }
-#}
#include <hip/hip_runtime.h>
{{kernel.def_kernel(inputs=[X], outputs=[], names_str="X")}} {
  int x = undeclared_name;
  return 0;
}
`;
export const BROKEN_LINE = 7;
/** The 1-based column of `undeclared_name` on that line: where the server places the compiler's error. */
export const BROKEN_COLUMN = BROKEN_CPP.split("\n")[BROKEN_LINE - 1]!.indexOf("undeclared_name") + 1;
export const COMPILE_ERROR = 'nvcc: identifier "undeclared_name" is undefined';
