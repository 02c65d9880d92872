"""RL210: a hook argument of the wrong kind — a value where a node belongs, a non-string
names_str, a reorder or size_args that is not a list, an index that is not an integer."""

from __future__ import annotations

from rocm_lsp.core.rules.finding import Finding, Locator


def not_a_node(
    param: str, element: int | None, kind: str, text: str | None = None, is_var: bool = False
) -> Finding:
    """A ``node``/``nodes`` argument that is not a node: ``kind`` is the value's type; the static
    pass also knows its source ``text`` and whether it names a [vars] value."""
    where = Locator(param, element)
    if is_var and text is not None:
        return Finding("RL210", f"{text} is a [vars] value, not a node: declare it in [nodes]", where)
    if text is not None:
        return Finding("RL210", f"{text} is not a node: pass a [nodes] variable or none", where)
    what = "the node argument" if param == "node" else f"{param} entries"
    return Finding("RL210", f"{what} must be nodes declared in [nodes] or none, not a {kind}", where)


def not_a_list(param: str, kind: str) -> Finding:
    """``inputs``/``outputs``/``input_reorder``/``size_args`` given something that is not a list."""
    what = {
        "input_reorder": "a list of input indices",
        "size_args": "a list of C++ parameter declarations",
    }.get(param, "a list of nodes")
    return Finding("RL210", f"{param} must be {what}, not a {kind}", Locator(param))


def not_a_string(param: str, kind: str) -> Finding:
    return Finding(
        "RL210", f"{param} must be a string of comma-separated names, not a {kind}", Locator(param)
    )


def wrong_entry(param: str, element: int, kind: str) -> Finding:
    """An entry of input_reorder that is not an integer, or of size_args that is not a string."""
    if param == "size_args":
        return Finding(
            "RL210",
            f'size_args entries must be strings such as "int32_t M", not {kind}',
            Locator(param, element),
        )
    return Finding("RL210", f"{param} entries must be integers, not {kind}", Locator(param, element))


def not_an_index(param: str, kind: str) -> Finding:
    return Finding("RL210", f"{param} must be an integer, not {kind}", Locator(param))
