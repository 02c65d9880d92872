"""Fake compilers and benchmark interpreters that fail the ways real ones do (no GPU needed).

A fake compiler is an executable named ``nvcc`` (so discovery takes it for CUDA's); it
answers ``--version`` and then behaves as asked. A fake benchmark interpreter is started as
``INTERPRETER bench_worker.py`` with the request on stdin, as the real one is.
"""

from __future__ import annotations

import stat
import sys
from pathlib import Path

# What a compiler run does after ``--version`` (``$OUT`` is the path after ``-o``).
COMPILERS = {
    "ok": 'printf "ELF fake library for %s\\n" "$SRC" > "$OUT"',
    "slow_ok": 'sleep 0.3; printf "ELF fake library for %s\\n" "$SRC" > "$OUT"',
    "hang": "exec sleep 1000",
    "hang_with_child": 'sleep 1000 & echo $! >> "$(dirname "$0")/children"; wait',
    "segfault": "kill -SEGV $$",
    "killed": "kill -KILL $$",
    "garbage": "head -c 20000 /dev/urandom; exit 1",
    "garbage_exit_0": "head -c 20000 /dev/urandom; exit 0",
    "flood": "yes 'error: this line never ends'",
    "leaves_child": 'printf "ELF\\n" > "$OUT"; sleep 1000 & echo $! >> "$(dirname "$0")/children"; exit 0',
}
# What a benchmark interpreter does (Python, run by this interpreter).
INTERPRETERS = {
    "segfault": "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)",
    "hang": "import time; time.sleep(1000)",
    "killed": "import os, signal; os.kill(os.getpid(), signal.SIGKILL)",
    "garbage": "import os; os.write(1, bytes(range(128, 256)) * 200)",  # not UTF-8, no JSON
    "wrong_shape": 'print(\'{"ok": true, "timing": 5, "check": "matched"}\')',
    "flood": "import sys\nwhile True: sys.stdout.write('x' * 65536)",
    "fault_then_crash": (
        "import json, os, signal, sys\n"
        'print(json.dumps({"ok": False, "stage": "run", "error": "the kernel failed on the device: '
        'CUDA error: an illegal memory access was encountered"}), flush=True)\n'
        "os.kill(os.getpid(), signal.SIGSEGV)"
    ),
    "ok": (
        "import json, sys\n"
        "request = json.load(sys.stdin)\n"
        'print(json.dumps({"ok": True, "device": "Fake GPU", "timing": {"median": 1.5, "p20": 1.4, '
        '"p80": 1.6, "count": 10}, "check": {"status": "matched", "outputs": []}}))'
    ),
}


def _executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def fake_compiler(folder: Path, behaviour: str) -> Path:
    body = COMPILERS[behaviour]
    script = (
        "#!/bin/sh\n"
        'if [ "$1" = "--version" ]; then echo "fake nvcc 1.0"; exit 0; fi\n'
        'OUT=""; SRC=""; prev=""\n'
        'for a in "$@"; do\n'
        '  [ "$prev" = "-o" ] && OUT="$a"; case "$a" in *.cpp) SRC="$a";; esac; prev="$a"\n'
        "done\n"
        f"{body}\n"
    )
    return _executable(folder / behaviour / "nvcc", script)


def children(compiler: Path) -> list[int]:
    """The processes a fake compiler started in the background (``hang_with_child``, ``leaves_child``)."""
    record = compiler.parent / "children"
    return [int(p) for p in record.read_text().split()] if record.exists() else []


# A fake interpreter "has torch": it answers the benchmark's torch probe (``python -c …``) with
# exit 0, and misbehaves only as the worker.
HAS_TORCH = "import sys\nif sys.argv[1:2] == ['-c']:\n    sys.exit(0)\n"


def fake_interpreter(folder: Path, behaviour: str) -> Path:
    script = f"#!{sys.executable}\n{HAS_TORCH}{INTERPRETERS[behaviour]}\n"
    return _executable(folder / f"python-{behaviour}", script)
