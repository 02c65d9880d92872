"""RL215: a ``size()`` range that reaches past the node's rank or selects no dimension."""

from __future__ import annotations

from rocm_lsp.core.rules.finding import Finding, Locator


def size_range(
    node: str, rank: int, start_index: int, end_index: int | None, default: object
) -> Finding | None:
    """Inductor normalises negative indices once and slices, so an index past the rank wraps or
    is clipped silently and an empty range yields ``default``; both are almost surely mistakes."""
    start = start_index if start_index >= 0 else start_index + rank
    end = start if end_index is None else end_index
    end = end if end >= 0 else end + rank
    bad = [v for v in (start_index, end_index) if v is not None and not -rank <= v < rank]
    key = "start_index" if bad and bad[0] == start_index else "end_index"
    if not range(rank)[start : end + 1]:
        if not bad and start <= end:
            return None
        shown = f"{start_index}" + ("" if end_index is None else f", {end_index}")
        return Finding(
            "RL215",
            f"size({node}, {shown}) selects no dimension of the rank-{rank} {node}: Inductor silently "
            f"yields the default {default}",
            Locator(key),
        )
    if bad:
        return Finding(
            "RL215",
            f"index {bad[0]} is past the rank {rank} of {node}; Inductor wraps it silently and still "
            "returns a size",
            Locator(key),
        )
    return None
