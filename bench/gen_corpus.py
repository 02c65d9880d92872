"""Generate a deterministic corpus of realistic ``*.hip.jinja`` templates for benchmarks.

Each file is a HIP C++ kernel template as PyTorch Inductor's ROCm backend would render it:
a ``rocm-lsp`` header (profile ``seed`` or ``rocm-2.13``, static or symbolic sizes), then a
GEMM-, elementwise-, softmax- or layernorm-like body that calls the profile's hooks
(``def_kernel``, ``size``, ``check_not_null``, ``arg_name``, ``get_signature``) and uses
``{% if %}``/``{% for %}`` blocks. About 10% of the files (``--mistakes``) carry one planted
mistake that ``rocm-lsp check`` should report (wrong names_str arity, undefined variable,
unknown dtype, hook missing in the profile, Jinja syntax error, …).

Usage::

    python bench/gen_corpus.py OUT_DIR [-n 1000] [--seed 0] [--mistakes 0.1] [--quick]

The same arguments always give byte-identical files; ``OUT_DIR/manifest.json`` names the
planted mistake of each file (or null). Prints a markdown summary and one JSON line.
``make_template`` is importable, so other benchmarks can build one template of a chosen size.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

PROFILES = ("seed", "rocm-2.13")
KINDS = ("gemm", "elementwise", "softmax", "layernorm")
DTYPES = ("float16", "bfloat16", "float32")
SEED_CTYPE = {"float16": "half", "bfloat16": "bfloat16", "float32": "float"}
ROCM_CTYPE = {"float16": "uint16_t", "bfloat16": "uint16_t", "float32": "float"}
MISTAKES = (
    "names_arity",  # RL201
    "undefined_var",  # RL111
    "bad_dtype",  # RL104
    "wrong_profile_hook",  # RL205
    "jinja_syntax",  # RL110
    "reorder_range",  # RL203
    "pt_export",  # RL211
    "unused_node",  # RL214
    "size_past_rank",  # RL215 (seed) / RL205 (rocm-2.13)
    "bad_toml",  # RL101
    "unknown_kwarg",  # RL207
    "late_symbol",  # RL301 (seed, symbolic) / RL201 otherwise
)
EPILOGUES = ("relu", "gelu", "silu", "scale", "clamp", "tanh")


@dataclass
class Node:
    name: str
    dtype: str
    size: list  # int or str entries
    stride: list | None = None
    offset: int | None = None
    none: bool = False

    def toml(self) -> str:
        if self.none:
            return f'{self.name} = "none"'
        parts = [f'dtype = "{self.dtype}"', f"size = {_toml_list(self.size)}"]
        if self.stride is not None:
            parts.append(f"stride = {_toml_list(self.stride)}")
        if self.offset is not None:
            parts.append(f"offset = {self.offset}")
        return f"{self.name} = {{ {', '.join(parts)} }}"


def _toml_list(values: list) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


@dataclass
class Spec:
    """What one template is: its profile, kind, shapes and (at most one) planted mistake."""

    profile: str
    kind: str
    dtype: str
    symbolic: bool
    target_lines: int
    mistake: str | None
    tag: str
    rng: random.Random
    explicit_profile: bool = True  # write `profile = "seed"` although it is the default
    runtime_args: bool = False
    bench: bool = False
    nodes: list[Node] = field(default_factory=list)
    shapes: dict[str, int] = field(default_factory=dict)
    vars: dict[str, object] = field(default_factory=dict)

    @property
    def compact(self) -> bool:
        """Small files: no constants block, no workspace query, a terse header."""
        return self.target_lines < 50

    @property
    def seed(self) -> bool:
        return self.profile == "seed"

    def ctype(self, dtype: str | None = None) -> str:
        table = SEED_CTYPE if self.seed else ROCM_CTYPE
        return table[dtype or self.dtype]


# -- shapes and nodes -----------------------------------------------------------------


def _dim(spec: Spec, symbol: str, choices: tuple[int, ...]) -> int | str:
    """A static size, or a symbolic one (registering its example value in [shapes])."""
    value = spec.rng.choice(choices)
    if not spec.symbolic:
        return value
    spec.shapes[symbol] = value
    return symbol


def _nodes(spec: Spec) -> None:
    rng = spec.rng
    d = spec.dtype
    if spec.kind == "gemm":
        m = _dim(spec, "s0", (128, 256, 512, 1024, 4096))
        k = rng.choice((64, 128, 256, 512))
        n = rng.choice((64, 128, 256, 1024))
        w_stride = [1, k] if rng.random() < 0.4 else None
        spec.nodes = [
            Node("X", d, [m, k]),
            Node("W", d, [k, n], stride=w_stride),
            Node("Bias", d, [n], none=rng.random() < 0.4),
            Node("Y", d, [m, n]),
        ]
    elif spec.kind == "elementwise":
        rows = _dim(spec, "s0", (64, 512, 2048, 8192))
        cols = _dim(spec, "s1", (128, 768, 1024)) if rng.random() < 0.5 else 1024
        size = [rows, cols]
        if spec.symbolic and rng.random() < 0.3:
            spec.shapes["s2"] = rng.choice((2, 4, 8))
            size = ["s0*s2", cols]
        spec.nodes = [Node("A", d, size), Node("B", d, size), Node("Out", d, size)]
        if rng.random() < 0.3:
            spec.nodes[1] = Node("B", d, size, none=True)
    elif spec.kind == "softmax":
        rows = _dim(spec, "s0", (32, 256, 4096))
        cols = rng.choice((128, 512, 1024, 2048))
        spec.nodes = [Node("X", d, [rows, cols]), Node("Y", d, [rows, cols])]
        if rng.random() < 0.3:
            spec.nodes.insert(1, Node("Mask", "bool", [rows, cols]))
    else:  # layernorm
        rows = _dim(spec, "s0", (16, 512, 8192))
        hidden = rng.choice((768, 1024, 4096))
        spec.nodes = [
            Node("X", d, [rows, hidden]),
            Node("Gamma", "float32", [hidden]),
            Node("Beta", "float32", [hidden], none=rng.random() < 0.3),
            Node("Y", d, [rows, hidden]),
        ]


def _vars(spec: Spec) -> None:
    rng = spec.rng
    spec.vars = {
        "tag": spec.tag,
        "block_m": rng.choice((32, 64, 128)),
        "block_n": rng.choice((32, 64, 128)),
        "block_k": rng.choice((16, 32)),
        "unroll": rng.choice((2, 4, 8)),
        "vec": rng.choice((1, 2, 4, 8)),
        "use_fast_math": rng.random() < 0.5,
        "epilogue": rng.sample(EPILOGUES, rng.randint(0, 3)),
        "warp_size": 64,
    }


# -- the header ------------------------------------------------------------------------


def _header(spec: Spec, lines: list[str], body: str) -> None:
    """The header; ``[vars]`` lists only the variables ``body`` refers to."""
    gap = [] if spec.compact else [""]
    lines.append("{#- rocm-lsp")
    if spec.profile != "seed" or spec.explicit_profile:
        lines.append(f'profile = "{spec.profile}"')
    lines.append(f'kernel_name = "{spec.kind}_{spec.tag}"')
    if not spec.seed and spec.runtime_args:
        lines.append('runtime_args = [{ name = "kBatch", ty = "int32_t", value = 1 }]')
    if spec.mistake == "bad_toml":
        lines.append("split_k = [2, 4")  # an unclosed array
    lines += gap
    lines.append("[nodes]")
    for node in spec.nodes:
        text = node.toml()
        if spec.mistake == "bad_dtype" and node is spec.nodes[0]:
            text = text.replace(f'"{node.dtype}"', '"float17"')
        lines.append(text)
    if spec.mistake == "unused_node":
        lines.append('Scratch = { dtype = "float32", size = [256] }')
    used = {k: v for k, v in spec.vars.items() if re.search(rf"\b{k}\b", body)}
    if used:
        lines += gap
        lines.append("[vars]")
        for key, value in used.items():
            lines.append(f"{key} = {json.dumps(value)}")
    if spec.shapes:
        lines += gap
        lines.append("[shapes]")
        for key, value in spec.shapes.items():
            lines.append(f"{key} = {value}")
    if not spec.compact and spec.bench:
        lines.append("")
        lines.append("[bench]")
        lines.append(f'reference = "{_reference(spec)}"')
        lines.append("rtol = 1e-2")
        lines.append("atol = 1e-2")
    lines.append("-#}")


def _reference(spec: Spec) -> str:
    names = [n.name for n in spec.nodes if not n.none]
    if spec.kind == "gemm":
        return "X @ W + Bias" if "Bias" in names else "X @ W"
    if spec.kind == "elementwise":
        return "A + B" if "B" in names else "A"
    if spec.kind == "softmax":
        return "torch.softmax(X.float(), -1).to(X.dtype)"
    return "torch.nn.functional.layer_norm(X, X.shape[-1:])"


# -- body building blocks --------------------------------------------------------------


def _includes(spec: Spec, lines: list[str]) -> None:
    lines.append("#include <hip/hip_runtime.h>")
    if spec.compact:
        return
    if spec.dtype == "float16":
        lines.append("#include <hip/hip_fp16.h>")
    elif spec.dtype == "bfloat16":
        lines.append("#include <hip/hip_bfloat16.h>")
    lines.append("{% if use_fast_math %}")
    lines.append("#define ROCMLSP_FAST_MATH 1")
    lines.append("{% endif %}")


def _helpers(spec: Spec) -> list[list[str]]:
    """Optional device-side sections, each a list of lines; used to reach the target size."""
    t = spec.ctype()
    sections = [
        [
            "",
            f"__device__ __forceinline__ float to_float({t} v) {{",
            "  return static_cast<float>(v);"
            if t == "float"
            else "  return __builtin_bit_cast(float, static_cast<uint32_t>(v) << 16);",
            "}",
        ],
        [
            "",
            "__device__ __forceinline__ float apply_epilogue(float v) {",
            "{% for op in epilogue %}",
            '{% if op == "relu" %}',
            "  v = fmaxf(v, 0.0f);",
            '{% elif op == "gelu" %}',
            "  v = 0.5f * v * (1.0f + erff(v * 0.70710678f));",
            '{% elif op == "silu" %}',
            "  v = v / (1.0f + __expf(-v));",
            '{% elif op == "scale" %}',
            "  v = v * 0.125f;",
            '{% elif op == "clamp" %}',
            "  v = fminf(fmaxf(v, -6.0f), 6.0f);",
            "{% else %}",
            "  v = tanhf(v);",
            "{% endif %}",
            "{% endfor %}",
            "  return v;",
            "}",
        ],
        [
            "",
            "template <int N>",
            "__device__ __forceinline__ float warp_reduce_sum(float v) {",
            "{% for s in [32, 16, 8, 4, 2, 1] %}",
            "  v += __shfl_xor(v, {{ s }}, {{ warp_size }});",
            "{% endfor %}",
            "  return v;",
            "}",
        ],
        [
            "",
            "__device__ __forceinline__ float warp_reduce_max(float v) {",
            "{% for s in [32, 16, 8, 4, 2, 1] %}",
            "  v = fmaxf(v, __shfl_xor(v, {{ s }}, {{ warp_size }}));",
            "{% endfor %}",
            "  return v;",
            "}",
        ],
        [
            "",
            "struct alignas({{ vec * 4 }}) Pack_{{ tag }} {",
            "  float v[{{ vec }}];",
            "};",
            "",
            "__device__ __forceinline__ void zero(Pack_{{ tag }}& p) {",
            "{% for i in range(vec) %}",
            "  p.v[{{ i }}] = 0.0f;",
            "{% endfor %}",
            "}",
        ],
        [
            "",
            "// Layout of the operands as Inductor sees them:",
            *[f"//   {n.name}: {{{{ {n.name}.get_layout() }}}}" for n in spec.nodes if not n.none],
        ],
    ]
    spec.rng.shuffle(sections)
    return sections


def _constants(spec: Spec, lines: list[str]) -> None:
    if spec.compact and spec.mistake != "undefined_var":
        return
    lines.append("")
    lines.append("namespace {")
    lines.append("constexpr int BLOCK_M = {{ block_m }};")
    lines.append("constexpr int BLOCK_N = {{ block_n }};")
    if spec.kind == "gemm":
        lines.append("constexpr int BLOCK_K = {{ block_k }};")
    lines.append("constexpr int VEC = {{ vec }};")
    if spec.mistake == "undefined_var":
        lines.append("constexpr int TILE_K = {{ tile_k }};")
    lines.append("}  // namespace")


def _kernel_gemm(spec: Spec) -> list[str]:
    t = spec.ctype()
    return [
        "",
        "__global__ void __launch_bounds__(BLOCK_M * BLOCK_N / {{ unroll }})",
        f"gemm_{{{{ tag }}}}(const {t}* __restrict__ x, const {t}* __restrict__ w,",
        f"    const {t}* __restrict__ bias, {t}* __restrict__ y, int64_t M, int64_t N, int64_t K) {{",
        f"  __shared__ {t} xs[BLOCK_M][BLOCK_K];",
        f"  __shared__ {t} ws[BLOCK_K][BLOCK_N];",
        "  const int64_t row = blockIdx.y * BLOCK_M + threadIdx.y * {{ unroll }};",
        "  const int64_t col = blockIdx.x * BLOCK_N + threadIdx.x;",
        "  float acc[{{ unroll }}] = {0.0f};",
        "  for (int64_t k0 = 0; k0 < K; k0 += BLOCK_K) {",
        "    __syncthreads();",
        "    for (int kk = 0; kk < BLOCK_K; ++kk) {",
        "{% for i in range(unroll) %}",
        "      acc[{{ i }}] += float(xs[threadIdx.y * {{ unroll }} + {{ i }}][kk])"
        " * float(ws[kk][threadIdx.x]);",
        "{% endfor %}",
        "    }",
        "  }",
        "{% for i in range(unroll) %}",
        "  if (row + {{ i }} < M && col < N) {",
        "    float v = acc[{{ i }}];",
        "{% if Bias is not none %}",
        "    v += float(bias[col]);",
        "{% endif %}",
        f"    y[(row + {{{{ i }}}}) * N + col] = {t}(v);",
        "  }",
        "{% endfor %}",
        "}",
    ]


def _kernel_elementwise(spec: Spec) -> list[str]:
    t = spec.ctype()
    return [
        "",
        f"__global__ void ew_{{{{ tag }}}}(const {t}* a, const {t}* b, {t}* out, int64_t n) {{",
        "  const int64_t base = (int64_t(blockIdx.x) * blockDim.x + threadIdx.x) * VEC;",
        "{% for i in range(vec) %}",
        "  if (base + {{ i }} < n) {",
        "    float v = float(a[base + {{ i }}]);",
        "{% if B is not none %}",
        "    v += float(b[base + {{ i }}]);",
        "{% endif %}",
        "{% for op in epilogue %}",
        "    // epilogue {{ loop.index }}: {{ op }}",
        "{% endfor %}",
        f"    out[base + {{{{ i }}}}] = {t}(v);",
        "  }",
        "{% endfor %}",
        "}",
    ]


def _kernel_softmax(spec: Spec) -> list[str]:
    t = spec.ctype()
    has_mask = any(n.name == "Mask" for n in spec.nodes)
    lines = [
        "",
        f"__global__ void softmax_{{{{ tag }}}}(const {t}* x,"
        + (" const bool* mask," if has_mask else "")
        + f" {t}* y, int64_t rows, int64_t cols) {{",
        "  const int64_t row = blockIdx.x;",
        "  if (row >= rows) return;",
        "  float m = -INFINITY;",
        "  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {",
    ]
    if has_mask:
        lines += ["    if (!mask[row * cols + c]) continue;"]
    lines += [
        "    m = fmaxf(m, float(x[row * cols + c]));",
        "  }",
        "  float s = 0.0f;",
        "  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {",
        "    s += __expf(float(x[row * cols + c]) - m);",
        "  }",
        "{% if use_fast_math %}",
        "  const float inv = __frcp_rn(s);",
        "{% else %}",
        "  const float inv = 1.0f / s;",
        "{% endif %}",
        "  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {",
        f"    y[row * cols + c] = {t}(__expf(float(x[row * cols + c]) - m) * inv);",
        "  }",
        "}",
    ]
    return lines


def _kernel_layernorm(spec: Spec) -> list[str]:
    t = spec.ctype()
    return [
        "",
        f"__global__ void layernorm_{{{{ tag }}}}(const {t}* x, const float* gamma,"
        f" const float* beta, {t}* y, int64_t rows, int64_t hidden, float eps) {{",
        "  const int64_t row = blockIdx.x;",
        "  float sum = 0.0f, sq = 0.0f;",
        "  for (int64_t c = threadIdx.x * VEC; c < hidden; c += blockDim.x * VEC) {",
        "{% for i in range(vec) %}",
        "    { float v = float(x[row * hidden + c + {{ i }}]); sum += v; sq += v * v; }",
        "{% endfor %}",
        "  }",
        "  const float mean = sum / hidden;",
        "  const float rstd = rsqrtf(sq / hidden - mean * mean + eps);",
        "  for (int64_t c = threadIdx.x; c < hidden; c += blockDim.x) {",
        "    float v = (float(x[row * hidden + c]) - mean) * rstd * gamma[c];",
        "{% if Beta is not none %}",
        "    v += beta[c];",
        "{% endif %}",
        f"    y[row * hidden + c] = {t}(v);",
        "  }",
        "}",
    ]


KERNELS = {
    "gemm": _kernel_gemm,
    "elementwise": _kernel_elementwise,
    "softmax": _kernel_softmax,
    "layernorm": _kernel_layernorm,
}


# -- the host launcher: where the hooks are ---------------------------------------------


def _io(spec: Spec) -> tuple[list[Node], list[Node]]:
    outputs = [spec.nodes[-1]]
    return spec.nodes[:-1], outputs


def _size_exprs(spec: Spec) -> list[tuple[str, str, int, int | None]]:
    """(C++ name, node, start, end) of the sizes the launcher needs."""
    first = spec.nodes[0].name
    if spec.kind == "gemm":
        return [("M", "X", 0, None), ("K", "X", 1, None), ("N", "W", 1, None)]
    if spec.kind == "elementwise":
        return [("numel", first, 0, -1)]
    return [("rows", first, 0, None), ("cols", first, -1, None)]


def _size_call(name: str, start: int, end: int | None) -> str:
    if end is None:
        return f"kernel.size({name}, {start})"
    return f"kernel.size({name}, {start}, {end})"


def _launcher(spec: Spec) -> list[str]:
    inputs, outputs = _io(spec)
    in_names = [n.name for n in inputs]
    out_names = [n.name for n in outputs]
    names = in_names + out_names
    if spec.mistake == "names_arity" or (spec.mistake == "late_symbol" and not spec.seed):
        names = names[:-1]
    if spec.mistake == "late_symbol" and spec.seed and not spec.symbolic:
        names = names[:-1]
    args = [f"inputs=[{', '.join(in_names)}]", f"outputs=[{', '.join(out_names)}]"]
    sizes = _size_exprs(spec)
    lines = ["", 'extern "C" {']
    pre_set = spec.seed and spec.symbolic and spec.mistake != "late_symbol"
    if pre_set:
        # Size symbols must be seen before def_kernel so their ks… argument reaches the
        # signature.
        for cname, node, start, end in sizes:
            lines.append(f"{{%- set {cname}_expr = {_size_call(node, start, end)} %}}")
    if not spec.seed:
        size_args = ", ".join(f'"int64_t {c}"' for c, _, _, _ in sizes)
        args.append(f"size_args=[{size_args}]")
    args.append(f'names_str="{", ".join(names)}"')
    if spec.mistake == "reorder_range":
        args.append(f"input_reorder=[{', '.join(str(i) for i in range(len(in_names) - 1))}, 7]")
    elif spec.rng.random() < 0.2:
        args.append(f"input_reorder=[{', '.join(str(i) for i in range(len(in_names)))}]")
    if spec.mistake == "unknown_kwarg":
        args.append("size_args=[]" if spec.seed else "workspace=0")
    call = f"{{{{kernel.def_kernel({', '.join(args)})}}}}"
    export = "PT_EXPORT " if not spec.seed else ""
    if spec.mistake == "pt_export":
        export = "" if export else "PT_EXPORT "
    lines.append(f"{export}{call} {{")
    if not spec.compact:
        lines += [
            "  if (workspace_size) {",
            "    *workspace_size = 0;",
            "    return 0;",
            "  }",
        ]
    if spec.seed:
        for node in inputs:
            lines.append(f"{{{{kernel.check_not_null({node.name})}}}}")
        for cname, node, start, end in sizes:
            value = f"{cname}_expr" if pre_set else _size_call(node, start, end)
            lines.append(f"  const int64_t {cname} = {{{{ {value} }}}};")
        if spec.mistake == "size_past_rank":
            lines.append(f"  const int64_t extra = {{{{ kernel.size({spec.nodes[0].name}, 5) }}}};")
        if spec.mistake == "wrong_profile_hook":
            lines.append("  // {{ kernel.get_signature() }}")
        ptr = {n.name: n.name for n in spec.nodes}
    else:
        lines.append("  // {{ kernel.get_signature() }}")
        if spec.mistake in ("wrong_profile_hook", "size_past_rank"):
            lines.append(f"  const int64_t extra = {{{{ kernel.size({spec.nodes[0].name}, 0) }}}};")
        ptr = {}
        for node in spec.nodes:
            if node.none:
                continue
            ptr[node.name] = f"p_{node.name.lower()}"
            ct = "bool" if node.dtype == "bool" else spec.ctype(node.dtype)
            const = "" if node in outputs else "const "
            lines.append(
                f"  {const}auto* {ptr[node.name]} = reinterpret_cast<{const}{ct}*>"
                f"({{{{ kernel.arg_name({node.name}) }}}});"
            )
    lines += _launch(spec, ptr)
    lines += ["  return 0;", "}", "}"]
    return lines


def _ptr(spec: Spec, ptr: dict[str, str], name: str) -> str:
    node = next(n for n in spec.nodes if n.name == name)
    if node.none:
        return "nullptr"
    return ptr[name]


def _launch(spec: Spec, ptr: dict[str, str]) -> list[str]:
    p = lambda name: _ptr(spec, ptr, name)  # noqa: E731
    if spec.kind == "gemm":
        return [
            "  dim3 grid((N + {{ block_n }} - 1) / {{ block_n }}, (M + {{ block_m }} - 1) / {{ block_m }});",
            "  dim3 block({{ block_n }}, {{ block_m }} / {{ unroll }});",
            "  hipLaunchKernelGGL(gemm_{{ tag }}, grid, block, 0, stream,",
            f"      {p('X')}, {p('W')},"
            + " {% if Bias is not none %}"
            + p("Bias")
            + "{% else %}nullptr{% endif %},"
            + f" {p('Y')}, M, N, K);",
        ]
    if spec.kind == "elementwise":
        return [
            "  const int threads = 256;",
            "  const int64_t blocks = (numel + threads * {{ vec }} - 1) / (threads * {{ vec }});",
            "  hipLaunchKernelGGL(ew_{{ tag }}, dim3(blocks), dim3(threads), 0, stream,",
            f"      {p('A')}, {p('B')}, {p('Out')}, numel);",
        ]
    if spec.kind == "softmax":
        mask = f" {p('Mask')}," if any(n.name == "Mask" for n in spec.nodes) else ""
        return [
            "  hipLaunchKernelGGL(softmax_{{ tag }}, dim3(rows), dim3({{ warp_size * 4 }}), 0,",
            f"      stream, {p('X')},{mask} {p('Y')}, rows, cols);",
        ]
    return [
        "  hipLaunchKernelGGL(layernorm_{{ tag }}, dim3(rows), dim3(256), 0, stream,",
        f"      {p('X')}, {p('Gamma')}, {p('Beta')}, {p('Y')}, rows, cols, 1e-5f);",
    ]


# -- assembly --------------------------------------------------------------------------


def make_template(
    rng: random.Random,
    *,
    profile: str | None = None,
    kind: str | None = None,
    symbolic: bool | None = None,
    target_lines: int | None = None,
    mistake: str | None = None,
    tag: str = "k0",
) -> str:
    """One template. Unspecified choices are drawn from ``rng``."""
    spec = Spec(
        profile=profile or rng.choice(PROFILES),
        kind=kind or rng.choice(KINDS),
        dtype=rng.choice(DTYPES),
        symbolic=rng.random() < 0.5 if symbolic is None else symbolic,
        target_lines=target_lines or rng.randint(20, 120),
        mistake=mistake,
        tag=tag,
        rng=rng,
        explicit_profile=rng.random() < 0.5,
        runtime_args=rng.random() < 0.5,
        bench=rng.random() < 0.3,
    )
    _nodes(spec)
    _vars(spec)
    core: list[str] = []
    _includes(spec, core)
    _constants(spec, core)
    kernel = KERNELS[spec.kind](spec)
    launcher = _launcher(spec)

    def total(body: list[str]) -> int:
        head: list[str] = []
        _header(spec, head, "\n".join(core + body + launcher))
        return len(head) + len(core) + len(body) + len(launcher)

    body: list[str] = []
    # Small targets: keep the launcher and, space permitting, the device kernel.
    if total(kernel) <= spec.target_lines + 5:
        body += kernel
    for section in _helpers(spec):
        if total(section + body) <= spec.target_lines:
            body = section + body
    # Large targets (the render benchmark): repeat numbered specialisations.
    serial = 0
    while total(body) < spec.target_lines - 8:
        body += _specialisation(spec, serial)
        serial += 1
    head: list[str] = []
    _header(spec, head, "\n".join(core + body + launcher))
    lines = head + core + body + launcher
    if spec.mistake == "jinja_syntax":
        # An {% if %} never closed: one of the template's, else one opened below the header.
        at = next((i for i, line in enumerate(lines) if line == "{% endif %}"), None)
        if at is None:
            lines.insert(len(head), "{% if true %}")
        else:
            del lines[at]
    return "\n".join(lines) + "\n"


def _specialisation(spec: Spec, serial: int) -> list[str]:
    """A tile-size specialisation: more loops, conditionals, layout queries and hooks."""
    first = next(n for n in spec.nodes if not n.none).name
    hooks = []
    if spec.seed and spec.mistake is None:
        # Before def_kernel, so a size symbol reaches the signature.
        hooks = [
            f"// {serial}: rows {{{{ kernel.size({first}, 0) }}}},"
            f" numel {{{{ kernel.size({first}, 0, -1) }}}}"
        ]
    return [
        "",
        f"// specialisation {serial}: {{{{ {first}.get_name() }}}}"
        f" rank {{{{ {first}.get_size() | length }}}}",
        *hooks,
        f"template <int TM = {{{{ block_m }}}} * {serial + 1}>",
        f"__device__ void tile_{serial}_{{{{ tag }}}}(float* acc, const float* a, int64_t lda) {{",
        "{% for i in range(unroll) %}",
        "{% if loop.first %}",
        "  #pragma unroll",
        "{% endif %}",
        "  for (int j = 0; j < VEC; ++j) {",
        f"    acc[{{{{ i }}}} * VEC + j] += a[{{{{ i }}}} * lda + j] * {serial + 1}.0f;",
        "  }",
        "{% endfor %}",
        "{% for op in epilogue %}",
        f"  // {serial}.{{{{ loop.index0 }}}}: fused {{{{ op | upper }}}}",
        "{% endfor %}",
        "}",
    ]


def generate(out: Path, count: int, seed: int = 0, mistakes: float = 0.1) -> list[Path]:
    """Write ``count`` templates under ``out`` (in a few subdirectories); returns the paths."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    manifest = {}
    for i in range(count):
        mistake = rng.choice(MISTAKES) if rng.random() < mistakes else None
        text = make_template(random.Random(rng.getrandbits(64)), mistake=mistake, tag=f"k{i}")
        sub = out / f"group{i % 8}"
        sub.mkdir(exist_ok=True)
        path = sub / f"t{i:05d}.hip.jinja"
        path.write_text(text)
        paths.append(path)
        manifest[str(path.relative_to(out))] = mistake
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return paths


def summary(out: Path, paths: list[Path]) -> dict:
    """What the corpus holds, read back from the files and the manifest."""
    manifest = json.loads((out / "manifest.json").read_text())
    counts: dict[str, int] = {}

    def bump(key: str) -> None:
        counts[key] = counts.get(key, 0) + 1

    lines = []
    for path in paths:
        text = path.read_text()
        lines.append(text.count("\n"))
        bump("profile rocm-2.13" if 'profile = "rocm-2.13"' in text else "profile seed")
        kind = re.search(r'kernel_name = "([a-z]+)_', text)
        bump(f"kind {kind.group(1) if kind else '?'}")
        bump("sizes symbolic" if "[shapes]" in text else "sizes static")
        mistake = manifest.get(str(path.relative_to(out)))
        bump("planted mistakes" if mistake else "clean")
    return {
        "files": len(paths),
        "lines": sum(lines),
        "min_lines": min(lines, default=0),
        "max_lines": max(lines, default=0),
        "counts": dict(sorted(counts.items())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="directory to write the templates into")
    parser.add_argument("-n", "--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mistakes", type=float, default=0.1, help="fraction with a mistake")
    parser.add_argument("--quick", action="store_true", help="100 files")
    args = parser.parse_args(argv)
    if args.quick:
        args.count = min(args.count, 100)
    paths = generate(args.out, args.count, args.seed, args.mistakes)
    info = summary(args.out, paths)
    print(
        f"{info['files']} templates, {info['lines']} lines "
        f"({info['min_lines']}-{info['max_lines']} per file) under {args.out}\n"
    )
    print("| property | files |\n|---|---:|")
    for key, value in info["counts"].items():
        print(f"| {key} | {value} |")
    print()
    print(json.dumps({"bench": "gen_corpus", "out": str(args.out), "seed": args.seed, **info}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
