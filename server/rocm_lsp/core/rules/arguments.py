"""RL206/RL207: binding a hook call's arguments to the hook's parameters, as Python would."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rocm_lsp.core.rules.finding import Finding, Locator, plural
from rocm_lsp.core.suggest import close_match, did_you_mean


@dataclass(frozen=True)
class Param:
    """One parameter of a hook: its name, whether it is required, its kind (``nodes``, ``node``,
    ``names``, ``reorder``, ``size_args``, ``int``, ``any``) and the text hover shows for it."""

    name: str
    required: bool
    kind: str
    doc: str
    default: str = ""  # the default's repr, for an optional parameter


@dataclass(frozen=True)
class Binding:
    """Which argument (by position in the call) each parameter got, and what went wrong;
    ``meant``: the parameters a misspelt keyword was probably meant for (its RL207 suggests
    them, so no other finding says they are missing)."""

    bound: tuple[tuple[str, int], ...]
    findings: tuple[Finding, ...]
    meant: frozenset[str] = frozenset()


def bind(
    hook: str,
    params: Sequence[Param],
    keywords: Sequence[str | None],
    elsewhere: Mapping[str, str] | None = None,
) -> Binding:
    """Bind a call whose arguments are ``keywords`` in call order (None for a positional one).

    ``elsewhere`` names, for a parameter this hook lacks, the profiles that have it.
    """
    names = [p.name for p in params]
    bound: list[tuple[str, int]] = []
    findings: list[Finding] = []
    seen: set[str] = set()
    misspelt: list[str] = []
    position = 0
    for i, keyword in enumerate(keywords):
        if keyword is None:
            if position >= len(names):
                findings.append(
                    Finding(
                        "RL207",
                        f"{hook}() takes at most {plural(len(names), 'argument')}",
                        Locator(position=i),
                    )
                )
                continue
            name = names[position]
            position += 1
        else:
            name = keyword
            if name not in names:
                if elsewhere and name in elsewhere:
                    hint = f" ({name} exists in {elsewhere[name]})"
                else:
                    hint = did_you_mean(name, names)
                    misspelt.append(name)
                findings.append(
                    Finding(
                        "RL207",
                        f"{hook}() has no parameter {name!r}; its parameters are {', '.join(names)}{hint}",
                        Locator(position=i, keyword=True),
                    )
                )
                continue
        if name in seen:
            findings.append(Finding("RL207", f"{hook}() got {name!r} twice", Locator(position=i)))
            continue
        seen.add(name)
        bound.append((name, i))
    unbound = [n for n in names if n not in seen]
    meant = frozenset(m for m in (close_match(w, unbound) for w in misspelt) if m is not None)
    for param in params:
        if param.required and param.name not in seen and param.name not in meant:
            findings.append(
                Finding("RL206", f"{hook}() is missing the required argument {param.name!r} ({param.doc})")
            )
    return Binding(tuple(bound), tuple(findings), meant)


def rejected(hook: str, binding: Binding, python_message: str) -> Finding:
    """What to report when Python refused a call: the binding's first finding, else Python's text."""
    return binding.findings[0] if binding.findings else Finding("RL207", f"{hook}(): {python_message}")
