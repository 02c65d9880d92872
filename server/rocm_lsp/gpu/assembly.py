"""The machine code of a template's kernels, grouped under the template lines that produced it.

AMD: the code object of a device-only compile (built with line tables), disassembled by
``llvm-objdump``; each instruction's address goes through ``llvm-symbolizer --inlines``, and an
instruction counts for the innermost frame that lies in the template — code inlined from a
header counts for the template line that called it. NVIDIA: PTX built with ``-lineinfo``, whose
``.loc`` directives (and their ``inlined_at``) say the same.

Parsing is pure (``parse_objdump``, ``parse_symbolizer``, ``parse_ptx``); ``amd_code`` and the
tool lookup run LLVM's tools as children with a timeout.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rocm_lsp.gpu import child
from rocm_lsp.gpu.toolchain import Toolchain

TOOL_TIMEOUT_S = 60.0
NO_LINE = "(no template line: prologue, or header code not called from the template)"
LLVM_VERSIONS = ("22",)  # the versioned names tried before the plain ones (what amd_clang installs)

_FUNCTION = re.compile(r"^[0-9a-fA-F]+ <(?P<name>[^>]+)>:$")
# "\ts_load_dword s2, s[0:1], 0x28   // 000000005C4C: C0020080 00000028 <sym+0x2c>"
_INSTRUCTION = re.compile(
    r"^\s+(?P<text>\S.*?)\s*//\s*(?P<addr>[0-9A-Fa-f]+):[^<]*(?:<(?P<target>[^>]+)>)?\s*$"
)
_FRAME = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+)$")
_PTX_FILE = re.compile(r'^\s*\.file\s+(?P<index>\d+)\s+"(?P<path>(?:[^"\\]|\\.)*)"')
_PTX_FUNCTION = re.compile(
    r"^\s*(?:\.(?:visible|weak|extern)\s+)*\.(?:entry|func)\s+(?:\([^)]*\)\s*)?(?P<name>[\w$.]+)"
)
_PTX_LOC = re.compile(
    r"^\s*\.loc\s+(?P<file>\d+)\s+(?P<line>\d+)\s+\d+"
    r"(?:\s*,\s*function_name\s+[^,]+,\s*inlined_at\s+(?P<ifile>\d+)\s+(?P<iline>\d+)\s+\d+)?"
)


@dataclass(frozen=True)
class Instruction:
    address: int | None  # None in PTX
    text: str


@dataclass(frozen=True)
class Block:
    """Consecutive instructions charged to one template line (None: to none — a prologue, or
    code of a header not called from a template line)."""

    line: int | None  # 1-based template line
    instructions: tuple[Instruction, ...]


@dataclass(frozen=True)
class KernelCode:
    name: str  # as the code names it (mangled)
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Listing:
    language: str  # "AMDGPU ISA" or "PTX"
    kernels: tuple[KernelCode, ...]
    truncated: bool = False  # a tool's output passed child.MAX_OUTPUT: the listing is cut short


def only_line(listing: Listing, line: int) -> Listing:
    """``listing`` cut to the blocks of one template line (every kernel kept, perhaps empty)."""
    kernels = tuple(KernelCode(k.name, tuple(b for b in k.blocks if b.line == line)) for k in listing.kernels)
    return Listing(listing.language, kernels, listing.truncated)


class AssemblyError(Exception):
    """The listing cannot be made here (a tool is missing or failed): the message says why."""


def same_file(a: str, b: str) -> bool:
    return a == b or (Path(a).name == Path(b).name and Path(a).resolve() == Path(b).resolve())


def _group(charged: Iterable[tuple[int | None, Instruction]]) -> tuple[Block, ...]:
    blocks: list[Block] = []
    for line, instruction in charged:
        if blocks and blocks[-1].line == line:
            blocks[-1] = Block(line, (*blocks[-1].instructions, instruction))
        else:
            blocks.append(Block(line, (instruction,)))
    return tuple(blocks)


def parse_objdump(text: str) -> list[tuple[str, list[Instruction]]]:
    """(symbol, its instructions) from ``llvm-objdump -d`` of an AMDGPU code object; the
    section pseudo-symbols (``<.text>``: padding) are left out."""
    functions: list[tuple[str, list[Instruction]]] = []
    current: list[Instruction] | None = None
    for line in text.splitlines():
        if m := _FUNCTION.match(line):
            name = m.group("name")
            current = None if name.startswith(".") else []
            if current is not None:
                functions.append((name, current))
        elif current is not None and (m := _INSTRUCTION.match(line)):
            target = m.group("target")
            branch = f"  ; -> {target.split('+', 1)[-1]}" if target and "+" in target else ""
            shown = m.group("text") + branch
            current.append(Instruction(int(m.group("addr"), 16), shown))
    return functions


def parse_symbolizer(text: str, template: str) -> dict[int, int | None]:
    """Address -> the template line it counts for, from ``llvm-symbolizer --inlines
    --functions=none --print-address``: the innermost frame in ``template`` (None: no frame is)."""
    lines: dict[int, int | None] = {}
    for record in re.split(r"\n\s*\n", text):
        rows = record.strip().splitlines()
        if not rows or not rows[0].startswith("0x"):
            continue
        try:
            address = int(rows[0], 16)
        except ValueError:
            continue
        charged = None
        for row in rows[1:]:
            frame = _FRAME.match(row.strip())
            if frame and same_file(frame.group("file"), template):
                charged = int(frame.group("line")) or None
                break
        lines[address] = charged
    return lines


def parse_ptx(text: str, template: str) -> list[KernelCode]:
    """Kernels and device functions of PTX built with ``-lineinfo``: every instruction and
    label under the template line its ``.loc`` names, or else the template line its chain of
    ``inlined_at`` call sites leads to (a header inlined into a header called from the template)."""
    files = {m.group("index"): m.group("path") for m in map(_PTX_FILE.match, text.splitlines()) if m}
    kernels: list[KernelCode] = []
    name: str | None = None
    charged: list[tuple[int | None, Instruction]] = []
    line: int | None = None
    charged_at: dict[tuple[str, int], int | None] = {}  # (file, line) -> the template line it counts for
    depth = 0
    for raw in text.splitlines():
        stripped = " ".join(raw.split())  # PTX aligns with tabs
        if name is None:
            if m := _PTX_FUNCTION.match(raw):
                name, charged, line, depth = m.group("name"), [], None, 0
            continue
        if m := _PTX_LOC.match(raw):
            here = (m.group("file"), int(m.group("line")))
            if same_file(files.get(here[0], ""), template):
                line = here[1]
            elif m.group("ifile"):  # inlined: where the call stands, itself perhaps inlined
                caller = (m.group("ifile"), int(m.group("iline")))
                in_template = same_file(files.get(caller[0], ""), template)
                line = caller[1] if in_template else charged_at.get(caller)
            else:
                line = None
            charged_at[here] = line
            continue
        depth += stripped.count("{") - stripped.count("}")
        if stripped in ("{", "}") or not stripped or stripped.startswith(("//", ".", "(", ")")):
            if depth <= 0 and stripped == "}":
                kernels.append(KernelCode(name, _group(charged)))
                name = None
            continue
        charged.append((line, Instruction(None, stripped)))
    return kernels


def llvm_tool(name: str, tool: Toolchain) -> str | None:
    """An LLVM tool (``llvm-objdump``, ``llvm-symbolizer``) for ``tool``'s code objects: beside
    upstream clang's ``llvm-nm``, in the ROCm of hipcc, else on PATH (versioned names first)."""
    candidates: list[str] = []
    if tool.amd_clang is not None:
        nm = Path(tool.amd_clang.llvm_nm)
        candidates.append(str(nm.with_name(nm.name.replace("llvm-nm", name))))
    if tool.include_root:
        candidates.append(str(Path(tool.include_root) / "llvm" / "bin" / name))
    candidates += [f"{name}-{v}" for v in LLVM_VERSIONS] + [name]
    for candidate in candidates:
        found = candidate if Path(candidate).is_file() else shutil.which(candidate)
        if found:
            return found
    return None


def _run(command: list[str], stdin: str | None = None) -> child.Finished:
    try:
        done = child.run(command, TOOL_TIMEOUT_S, None, stdin=stdin)
    except OSError as exc:
        raise AssemblyError(f"cannot run {command[0]}: {exc}") from exc
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or [""])[-1][:300]
        raise AssemblyError(f"{done.describe_exit(Path(command[0]).name)}: {detail}".rstrip(": "))
    return done


def amd_code(code_object: Path, template: str, tool: Toolchain) -> Listing:
    """The AMDGPU ISA of a code object, each instruction under its template line."""
    objdump, symbolizer = llvm_tool("llvm-objdump", tool), llvm_tool("llvm-symbolizer", tool)
    missing = [n for n, t in (("llvm-objdump", objdump), ("llvm-symbolizer", symbolizer)) if t is None]
    if missing or objdump is None or symbolizer is None:
        raise AssemblyError(
            f"{' and '.join(missing)} not found: install llvm-22 (the package that brings clang-22's tools)"
        )
    listing = _run([objdump, "-d", "--no-show-raw-insn", str(code_object)])
    functions = parse_objdump(listing.stdout)
    addresses = "".join(f"0x{i.address:x}\n" for _, code in functions for i in code)
    symbols = _run(
        [symbolizer, f"--obj={code_object}", "--inlines", "--functions=none", "--print-address"], addresses
    )
    lines = parse_symbolizer(symbols.stdout, template)
    kernels = tuple(
        KernelCode(name, _group((lines.get(i.address or 0), i) for i in code)) for name, code in functions
    )
    return Listing("AMDGPU ISA", kernels, listing.truncated or symbols.truncated)


def ptx_code(ptx: Path, template: str) -> Listing:
    text = ptx.read_text(encoding="utf-8", errors="replace")
    return Listing("PTX", tuple(parse_ptx(text, template)))


@dataclass(frozen=True)
class Document:
    """The assembly view as text, with where each template line's blocks start in it."""

    text: str
    lines: dict[int, list[int]]  # 1-based template line -> 0-based document lines of its headings


def document(
    listing: Listing,
    header: list[str],
    template_lines: list[str],
    template_name: str,
    kernel_notes: Callable[[str], tuple[str, list[str]]],
) -> Document:
    """The listing as a ``//``-commented document: ``header`` lines first, then per kernel the
    title and notes ``kernel_notes(name)`` gives (its readable name, its resources) and its
    blocks, each under a heading that quotes its template line."""
    out = [f"// {h}" for h in header]
    where: dict[int, list[int]] = {}
    for kernel in listing.kernels:
        title, notes = kernel_notes(kernel.name)
        out += ["", f"// ═══ {title} ═══"]
        out += [f"// {note}" for note in notes]
        for block in kernel.blocks:
            if block.line is None:
                out.append(f"// ── {NO_LINE} ──")
            else:
                quoted = template_lines[block.line - 1].strip() if block.line <= len(template_lines) else ""
                where.setdefault(block.line, []).append(len(out))
                out.append(f"// ── {template_name}:{block.line} ──  {quoted}")
            for instruction in block.instructions:
                address = f"{instruction.address:6x}  " if instruction.address is not None else ""
                out.append(f"    {address}{instruction.text}")
    if listing.truncated:
        out += ["", "// (cut short: the tool's output passed rocm-lsp's limit)"]
    return Document("\n".join(out) + "\n", where)


def to_json(listing: Listing, template_lines: list[str]) -> list[dict]:
    """The kernels and their blocks for ``--output-format json``."""
    return [
        {
            "name": kernel.name,
            "blocks": [
                {
                    "line": block.line,
                    "source": template_lines[block.line - 1]
                    if block.line is not None and block.line <= len(template_lines)
                    else None,
                    "instructions": [{"address": i.address, "text": i.text} for i in block.instructions],
                }
                for block in kernel.blocks
            ],
        }
        for kernel in listing.kernels
    ]
