"""Compile a rendered kernel into a shared library, cached by content, with compiler
messages mapped back to template lines and per-kernel resource usage.

The compiler runs as a child process with a timeout; the result is plain data.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path

from rocm_lsp.core.model.profiles import DEFAULT_PROFILE, PROFILES
from rocm_lsp.core.workspace.config import COMPILE_TIMEOUT_S
from rocm_lsp.core.workspace.files import atomic_write_text, user_cache_dir
from rocm_lsp.gpu import amd_clang, child
from rocm_lsp.gpu.amd_clang import UnresolvedCall
from rocm_lsp.gpu.toolchain import Toolchain, compat_fingerprint, compiler_env, flags

AMD_COMPILE_FLAGS = PROFILES[DEFAULT_PROFILE].amd_compile_flags  # when no profile is given

CK_INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]ck(?:_tile)?/', re.M)
# nvcc: "k.hip.jinja(12): error: identifier "x" is undefined"; clang: "k.hip.jinja:12:5: error: …"
_NVCC_MSG = re.compile(
    r"^(?P<file>[^\s(][^(]*)\((?P<line>\d+)\): (?P<sev>error|warning|remark)(?: #[\w-]+)?: (?P<msg>.*)$"
)
_CLANG_MSG = re.compile(
    r"^(?P<file>[^:\s][^:]*):(?P<line>\d+):(?P<col>\d+): "
    r"(?P<sev>fatal error|error|warning|remark): (?P<msg>.*)$"
)
# The source line a compiler prints under a message, and the caret line under it: nvcc indents
# the line by two; clang expands tabs (and since clang 17, like gcc, puts "  12 | " before it,
# "     | " before the caret); a range is "~" around the "^".
_GUTTER = re.compile(r" *\d+ \| ")
_CARET_LINE = re.compile(r"[ \t~]*\^~*[ \t~]*")
_PTXAS_FN = re.compile(
    r"ptxas info\s*: (?:Compiling entry function|Function properties for) '?(?P<fn>[\w$]+)'?"
)
_PTXAS_USED = re.compile(r"ptxas info\s*: Used (?P<regs>\d+) registers(?:.*?(?P<smem>\d+) bytes smem)?")
_PTXAS_SPILL = re.compile(
    r"(?P<stack>\d+) bytes stack frame, (?P<stores>\d+) bytes spill stores, (?P<loads>\d+) bytes spill loads"
)
# clang's -Rpass-analysis=kernel-resource-usage: "remark: Function Name: k", then one
# "remark:     KEY: N" line per resource (clang 22 says TotalSGPRs where clang 15 said SGPRs).
_AMD_RESOURCE = re.compile(
    r"remark: .*?Function Name: (?P<fn>\S+)"
    r"|remark:\s+(?P<key>VGPRs|AGPRs|(?:Total)?SGPRs|ScratchSize \[bytes/lane\]|LDS Size \[bytes/block\]"
    r"|Occupancy \[waves/SIMD\]|SGPRs Spill|VGPRs Spill): (?P<value>\d+)"
)
# AMD resources kept in ``KernelResources.extra``, by the compiler's key
_AMD_EXTRA = {
    "SGPRs": "SGPRs", "TotalSGPRs": "SGPRs", "AGPRs": "AGPRs", "Occupancy [waves/SIMD]": "Occupancy",
    "SGPRs Spill": "SGPRs Spill", "VGPRs Spill": "VGPRs Spill",
}  # fmt: skip


@dataclass(frozen=True)
class CompilerMessage:
    file: str
    line: int  # 1-based, in ``file`` (the template, thanks to #line directives)
    column: int  # 1-based, 0 when the compiler gives none
    severity: str  # error | warning | info
    message: str
    excerpt: str = ""  # the source line printed under the message, "" when none was
    caret: int = -1  # the index of the caret (``^``) under ``excerpt``, -1 when none
    caret_width: int = 0  # the characters the caret and the ``~`` after it mark


@dataclass
class KernelResources:
    name: str
    registers: int | None = None
    spill_stores: int | None = None
    spill_loads: int | None = None
    shared_bytes: int | None = None
    stack_bytes: int | None = None
    extra: dict[str, int] = field(default_factory=dict)
    demangled: str = ""  # the C++ name (``demangle``), "" when no demangler is installed


class CompileState(str, Enum):
    """How a compile ended (``CompileResult.note`` is the human text beside it)."""

    COMPILED = "compiled"  # the library (or cubin) is there
    FAILED = "failed"  # the compiler ran and failed, timed out or crashed
    SKIPPED = "skipped"  # not for this platform (AMD-only source on NVIDIA): not a failure
    CANCELLED = "cancelled"  # the user stopped it
    NOT_RUN = "not-run"  # the compiler never ran (no build cache, cannot start it)


@dataclass
class CompileResult:
    state: CompileState
    library: str | None
    messages: list[CompilerMessage]
    resources: list[KernelResources]
    seconds: float
    cached: bool
    command: list[str]
    toolchain: str
    note: str = ""  # why, in words, when nothing was compiled (e.g. AMD-only source on NVIDIA)
    # device-library calls left undefined in the code object (AMD): the compile failed
    unresolved: list[UnresolvedCall] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.state is CompileState.COMPILED

    def to_json(self) -> str:
        data = asdict(self)
        data["state"] = self.state.value
        data["ok"] = self.ok  # for older versions reading the same cache
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> CompileResult:
        data = json.loads(text)
        data["messages"] = [CompilerMessage(**m) for m in data["messages"]]
        data["resources"] = [KernelResources(**r) for r in data["resources"]]
        data["unresolved"] = [UnresolvedCall(**u) for u in data.get("unresolved", [])]
        ok, skipped = data.pop("ok", None), data.pop("skipped", False)
        if "state" in data:
            data["state"] = CompileState(data["state"])
        else:  # written before CompileState: ``ok``, ``skipped`` and the note said it
            data["state"] = _old_state(bool(ok), bool(skipped), data.get("note", ""))
        return cls(**data)


def _old_state(ok: bool, skipped: bool, note: str) -> CompileState:
    if ok:
        return CompileState.COMPILED
    if skipped:
        return CompileState.SKIPPED
    return CompileState.CANCELLED if note == "cancelled" else CompileState.FAILED


def amd_only_reason(source: str) -> str | None:
    """Why a source cannot build on NVIDIA (Composable Kernel is AMD-only), if it cannot."""
    if CK_INCLUDE.search(source):
        return (
            "this kernel includes Composable Kernel headers, which are AMD-only (_Float16, "
            "__builtin_amdgcn_*): it compiles with hipcc for AMD GPUs, not with nvcc"
        )
    return None


def ck_missing_reason(source: str, tool: Toolchain) -> str | None:
    """Why an AMD toolchain cannot build a Composable Kernel source here (its headers are not in
    the HIP installation the compiler reads), if it cannot."""
    if tool.platform != "amd" or not tool.include_root or not CK_INCLUDE.search(source):
        return None
    include = Path(tool.include_root) / "include"
    if (include / "ck" / "ck.hpp").exists():
        return None
    return (
        f"this kernel includes Composable Kernel headers (ck/…), which are not installed here (no "
        f"ck/ck.hpp in {include}): install Composable Kernel with ROCm to compile it for {tool.arch}"
    )


def cache_dir() -> Path:
    """Compiled kernels, by content (``core.files.user_cache_dir``)."""
    return user_cache_dir("build")


RESULT_FORMAT = "4"  # what a cached result holds (2: messages with their printed line and caret;
# 3: unresolved device-library calls; 4: demangled kernel names, line tables for the assembly view)
DEMANGLERS = ("llvm-cxxfilt-22", "llvm-cxxfilt", "c++filt", "cu++filt")


def cache_key(source: str, tool: Toolchain, command_flags: list[str], inputs: str = "") -> str:
    """``inputs``: a digest of what else the compile reads (the device libraries, a pre-include)."""
    digest = hashlib.sha256(RESULT_FORMAT.encode())
    # The platform is part of the key: it sets the compiler's environment (HIP_PLATFORM).
    parts = (source, tool.platform, tool.compiler, tool.version, tool.arch, " ".join(command_flags), inputs)
    for part in parts:
        digest.update(part.encode(errors="surrogatepass"))  # an editor can send lone surrogates
        digest.update(b"\0")
    if tool.platform == "nvidia":
        digest.update(compat_fingerprint().encode())
    return digest.hexdigest()


RESOURCE_REMARK = "[-Rpass-analysis=kernel-resource-usage]"


def parse_messages(output: str, default_file: str) -> list[CompilerMessage]:
    out = []
    lines = re.split(r"\r?\n", output)  # not splitlines: a printed source line may hold \f or \x1c
    for at, line in enumerate(lines):
        m = _NVCC_MSG.match(line) or _CLANG_MSG.match(line)
        if not m or RESOURCE_REMARK in line:  # resource usage is reported, not a finding
            continue
        sev = m.group("sev")
        severity = "error" if "error" in sev else "warning" if sev == "warning" else "info"
        col = int(m.groupdict().get("col") or 0)
        out.append(
            CompilerMessage(
                m.group("file") or default_file,
                int(m.group("line")),
                col,
                severity,
                m.group("msg"),
                *_excerpt(lines[at + 1 : at + 3]),
            )
        )
    return out


def _excerpt(after: list[str]) -> tuple[str, int, int]:
    """The source line and caret printed after a message (``after``: the next two lines of the
    output): the line, the caret's index in it and how many characters it marks; ``("", -1, 0)``
    when they are not there."""
    if len(after) < 2:
        return "", -1, 0
    source, marks = after
    gutter = _GUTTER.match(source)
    if gutter is not None:
        width = gutter.end()
        if marks[:width] != " " * (width - 2) + "| ":
            return "", -1, 0
        source, marks = source[width:], marks[width:]
    if not source.strip() or not _CARET_LINE.fullmatch(marks) or marks.count("^") != 1:
        return "", -1, 0
    caret = marks.index("^")
    after_caret = marks[caret + 1 :]
    return source, caret, 1 + len(after_caret) - len(after_caret.lstrip("~"))


def parse_resources(output: str) -> list[KernelResources]:
    kernels: dict[str, KernelResources] = {}
    current: KernelResources | None = None
    for line in output.splitlines():
        if m := _PTXAS_FN.search(line):
            current = kernels.setdefault(m.group("fn"), KernelResources(m.group("fn")))
        elif (m := _PTXAS_SPILL.search(line)) and current is not None:
            current.stack_bytes = int(m.group("stack"))
            current.spill_stores = int(m.group("stores"))
            current.spill_loads = int(m.group("loads"))
        elif (m := _PTXAS_USED.search(line)) and current is not None:
            current.registers = int(m.group("regs"))
            smem = re.search(r"(\d+) bytes smem", line)
            current.shared_bytes = int(smem.group(1)) if smem else 0
        elif m := _AMD_RESOURCE.search(line):
            if m.group("fn"):
                current = kernels.setdefault(m.group("fn"), KernelResources(m.group("fn")))
            elif current is not None:
                key, value = m.group("key"), int(m.group("value"))
                if key == "VGPRs":
                    current.registers = value
                elif key.startswith("LDS"):
                    current.shared_bytes = value
                elif key.startswith("Scratch"):
                    current.stack_bytes = value
                else:
                    current.extra[_AMD_EXTRA[key]] = value
    return list(kernels.values())


def demangle(resources: list[KernelResources]) -> None:
    """Fill in each kernel's C++ name with the first demangler installed (in one run); names
    stay as they are when there is none or it fails."""
    tool = next((found for name in DEMANGLERS if (found := shutil.which(name))), None)
    mangled = [k.name for k in resources if k.name.startswith("_Z")]
    if tool is None or not mangled:
        return
    try:
        done = child.run([tool, *mangled], 10.0, None)
    except OSError:
        return
    lines = done.stdout.splitlines()
    if done.returncode != 0 or len(lines) != len(mangled):
        return
    names = dict(zip(mangled, lines, strict=True))
    for k in resources:
        if names.get(k.name, k.name) != k.name:
            k.demangled = names[k.name]


def _run_compiler(
    command: list[str], cwd: Path, timeout: float, cancel: threading.Event | None, env: dict[str, str]
) -> tuple[str, CompileState, str, bool]:
    """(output, state, reason, whether the outcome says something about the source) —
    the compiler's process group is killed on timeout or cancellation."""
    name = Path(command[0]).name
    try:
        done = child.run(command, timeout, cancel, cwd=cwd, env=env, merge_stderr=True)
    except OSError as exc:
        return "", CompileState.NOT_RUN, f"cannot run {command[0]}: {exc}", False
    if done.stopped == "cancelled":
        return "", CompileState.CANCELLED, "cancelled", False
    if done.stopped == "timeout":
        return (
            done.stdout,
            CompileState.FAILED,
            f"the compiler did not finish within {timeout:g} s and was stopped",
            False,
        )
    if done.returncode != 0:
        # killed by a signal (a crash, the OOM killer, a user): no verdict on the source
        verdict = done.returncode is not None and done.returncode > 0 and not done.truncated
        return done.stdout, CompileState.FAILED, done.describe_exit(name), verdict
    return done.stdout, CompileState.COMPILED, "", True


def _command_flags(
    tool: Toolchain, check_only: bool, amd_flags: Sequence[str], ptx: bool = False
) -> tuple[list[str], str]:
    """The compiler's flags and a digest of the files they name that the key must cover (the
    device libraries and pre-include of upstream clang); ``amd_clang.SetupError`` when a
    library cannot be made."""
    if tool.amd_clang is None:
        return flags(tool, "ptx" if ptx else "check" if check_only else "so", amd_flags), ""
    libraries = amd_clang.device_libraries(tool.amd_clang, tool.arch)
    return amd_clang.flags(tool.amd_clang, tool.arch, amd_flags, libraries), amd_clang.fingerprint(libraries)


def _unresolved(tool: Toolchain, output: str, code_object: Path | None) -> tuple[list[UnresolvedCall], str]:
    """(the device-library calls left undefined, why they could not be read or ""): from lld's
    errors (AMD), and from the code object upstream clang built."""
    if tool.platform != "amd":
        return [], ""
    names = amd_clang.undefined_in_output(output)
    if names or code_object is None or tool.amd_clang is None:
        return names, ""
    found = amd_clang.undefined_in_object(tool.amd_clang, code_object)
    if found is None:
        return [], f"{Path(tool.amd_clang.llvm_nm).name} could not read the code object {code_object.name}"
    return found, ""


def compile_source(
    source: str,
    filename: str,
    tool: Toolchain,
    check_only: bool = False,
    timeout: float = COMPILE_TIMEOUT_S,
    root: Path | None = None,
    cancel: threading.Event | None = None,
    amd_flags: Sequence[str] = AMD_COMPILE_FLAGS,
    ptx: bool = False,
) -> CompileResult:
    """Build ``source`` (already carrying ``#line`` directives naming ``filename``); ``amd_flags``:
    the profile's ``-mllvm`` options for hipcc. A device-only toolchain builds device code only
    whatever ``check_only`` says; ``ptx`` (NVIDIA) builds PTX with line information instead (no
    resource report: ptxas does not run)."""
    reason = amd_only_reason(source) if tool.platform == "nvidia" else ck_missing_reason(source, tool)
    if reason:
        return CompileResult(CompileState.SKIPPED, None, [], [], 0.0, False, [], tool.describe(), note=reason)
    ptx = ptx and tool.platform == "nvidia"
    check_only = check_only or tool.device_only or ptx
    try:
        command_flags, inputs = _command_flags(tool, check_only, amd_flags, ptx)
    except amd_clang.SetupError as exc:
        return CompileResult(CompileState.NOT_RUN, None, [], [], 0.0, False, [], tool.describe(), str(exc))
    key = cache_key(source, tool, command_flags, inputs)
    folder = (root or cache_dir()) / key[:2] / key
    device_code = "kernel.o" if tool.platform == "amd" else "kernel.ptx" if ptx else "kernel.cubin"
    artifact = folder / (device_code if check_only else "kernel.so")
    report = folder / "result.json"
    if report.exists() and (artifact.exists() or not (folder / "ok").exists()):
        try:
            cached = CompileResult.from_json(report.read_text(encoding="utf-8"))
            cached.cached = True
            return cached
        except (OSError, ValueError, TypeError, KeyError):
            pass
    try:
        folder.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=folder, prefix=".build-"))
    except OSError as exc:
        return CompileResult(
            CompileState.NOT_RUN, None, [], [], 0.0, False, [], tool.describe(),
            note=f"cannot write the build cache: {exc}",
        )  # fmt: skip
    src = work / "kernel.hip.cpp"
    out = work / artifact.name
    command = [tool.compiler, *command_flags, str(src), "-o", str(out)]
    start = time.perf_counter()
    try:
        # a lone surrogate (from the editor) becomes "?": the compiler reports it where it stands
        src.write_text(source, encoding="utf-8", errors="replace")
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        return CompileResult(
            CompileState.NOT_RUN, None, [], [], 0.0, False, command, tool.describe(),
            f"cannot write the build cache: {exc}",
        )  # fmt: skip
    output, state, note, verdict = _run_compiler(command, work, timeout, cancel, compiler_env(tool))
    ok = state is CompileState.COMPILED
    if ok and not out.exists():
        ok, state, verdict = False, CompileState.FAILED, False
        note = f"{Path(tool.compiler).name} exited with status 0 but wrote no {out.name}"
    unresolved, unreadable = _unresolved(tool, output, out if ok else None)
    if unreadable:
        ok, state, verdict, note = False, CompileState.FAILED, False, unreadable
    seconds = time.perf_counter() - start
    messages = parse_messages(output, filename)
    located = any(m.severity == "error" for m in messages)
    if unresolved:  # a verdict on the source with this toolchain
        ok, state, located = False, CompileState.FAILED, True
        note = amd_clang.unresolved_message([c.name for c in unresolved], tool.amd_clang)
    verdict = verdict and (ok or located)  # a failure without a located error may be the machine's
    if not ok and not located and output.strip():
        note = (note + ": " if note else "") + output.strip().splitlines()[-1][:400]
    resources = [] if unresolved else parse_resources(output)  # no counts of code that cannot be built
    demangle(resources)
    result = CompileResult(
        state,
        str(artifact) if ok else None,
        messages,
        resources,
        seconds,
        False,
        command,
        tool.describe(),
        note,
        unresolved,
    )
    try:
        if not verdict:
            pass  # cancelled, timed out, crashed or never started: says nothing about the source
        elif ok:
            os.replace(out, artifact)
            (folder / "ok").write_text("")
            atomic_write_text(report, result.to_json())
        else:
            atomic_write_text(report, result.to_json())
    except OSError as exc:
        result.note = f"built, but the cache could not be written: {exc}"
        if ok and not artifact.exists():  # the library never reached the cache
            result.state, result.library = CompileState.NOT_RUN, None
            result.note = f"cannot write the build cache: {exc}"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result
