"""The rules of ``def_kernel``: names_str against the node lists (RL201, RL212, RL213),
``input_reorder`` (RL202–RL204, RL208) and the dtype table (RL209)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rocm_lsp.core.rules.finding import Finding, Locator, plural

NAMES = Locator("names_str")
REORDER = Locator("input_reorder")


def names_arity(names: Sequence[str], n_in: int, n_out: int, omitted: bool) -> Finding | None:
    """RL201: names_str must name every input and output (``omitted``: no names_str given)."""
    if n_in + n_out == len(names):
        return None
    got = f"{plural(n_in, 'input')} + {plural(n_out, 'output')}"
    if omitted:
        message = (
            f"def_kernel has no names_str, so Inductor sees one empty name for {got}; pass "
            'names_str="…" with a name for every input and output'
        )
    else:
        message = (
            f"names_str lists {plural(len(names), 'name')} ({', '.join(names)}) but def_kernel got {got}"
        )
    return Finding("RL201", message, NAMES)


def names_match(
    names: Sequence[str], passed: Sequence[str | None], absent: Sequence[bool]
) -> Iterator[Finding]:
    """RL212 (a name listed twice) and RL213 (a node passed where names_str names another node).

    ``passed[i]`` is the name of the declared node at position ``i`` of inputs + outputs (None
    when it is not a declared node); ``absent[i]`` says that position holds ``none``.
    """
    seen: set[str] = set()
    for i, name in enumerate(names):
        if i < len(absent) and absent[i]:
            continue  # an absent node gets no parameter
        if name in seen:
            yield Finding(
                "RL212", f"names_str lists {name!r} twice: both become a C++ parameter called {name!r}", NAMES
            )
        seen.add(name)
    for name, node in zip(names, passed):
        if node is not None and node != name:
            yield Finding(
                "RL213",
                f"{node} is passed where names_str says {name!r}: the C++ parameter for {node} will be "
                f"called {name!r}",
                Locator(node=node),
            )


def rewritten_reorder(reorder: object, before: Sequence[int] | None, after: Sequence[int]) -> object:
    """The ``input_reorder`` def_kernel uses: ``after`` when the profile rewrites ``before``."""
    return list(after) if before is not None and reorder == list(before) else reorder


def reorder_length(
    count: int, n_in: int, rewritten: bool, torch: str, before: Sequence[int], after: Sequence[int]
) -> Finding | None:
    """RL202: input_reorder must have an entry per input; RL208 when the profile rewrote it."""
    if count == n_in:
        return None
    if rewritten:
        return Finding(
            "RL208",
            f"torch {torch} rewrites input_reorder {list(before)} to {list(after)} (for CK's five-input "
            f"addmm), so with {plural(n_in, 'input')} def_kernel fails; pass the inputs in order instead",
            REORDER,
        )
    return Finding(
        "RL202",
        f"input_reorder has {plural(count, 'entry', 'entries')} but def_kernel got {plural(n_in, 'input')}",
        REORDER,
    )


def reorder_entries(reorder: Sequence[object], n_in: int) -> Iterator[Finding]:
    """In entry order: RL203 for an index out of range, RL204 for a negative one (it indexes
    names_str from the end); then RL204 if the entries are not a permutation of the inputs.
    Entries that are not integers are skipped (their type is another rule's)."""
    bad = False
    for i, idx in enumerate(reorder):
        if not isinstance(idx, int) or isinstance(idx, bool):
            continue
        if -n_in <= idx < 0:
            bad = True
            yield Finding(
                "RL204",
                f"input_reorder entry {idx} is negative: Inductor indexes names_str with it from the end "
                "(where the output names are), so the parameter gets the wrong name",
                Locator("input_reorder", i),
            )
        elif not -n_in <= idx < n_in:
            bad = True
            yield Finding(
                "RL203",
                f"input_reorder entry {idx} is out of range for {plural(n_in, 'input')} "
                f"(valid: 0..{n_in - 1})",
                Locator("input_reorder", i),
            )
    if bad or not n_in or not all(isinstance(i, int) for i in reorder):
        return
    if sorted(int(i) % n_in for i in reorder) != list(range(n_in)):  # type: ignore[call-overload]
        yield Finding(
            "RL204",
            f"input_reorder {list(reorder)} is not a permutation of 0..{n_in - 1}: some inputs are "
            "dropped or passed twice",
            REORDER,
        )


def dtype_missing(node: str, dtype: str, profile: str) -> Finding:
    """RL209: the profile's dtype → C++ table has no entry for a node's dtype."""
    return Finding(
        "RL209",
        f"{node} has dtype {dtype}, which this profile's C++ type table ({profile}) does not have",
        Locator(node=node),
    )
