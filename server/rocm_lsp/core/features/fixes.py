"""Quick fixes: exact edits for findings, one engine for ``rocm-lsp check --fix`` and the editor.

:func:`fixes_for` gives the fixes of one finding of an analysis: plain :class:`Fix` values (a
title and non-overlapping :class:`Edit`s on the analysed text), the preferred one first, and
last the "Ignore RLxxx on this line" suppression where a comment can go on that line.
:func:`fix_all` picks one fix per finding, skipping fixes that conflict with one already
picked, and :func:`apply` applies edits.

A fix is *safe* when it only makes the template render what it evidently means, or removes what
nothing renders from: ``check --fix`` applies those. An *unsafe* fix guesses (a close name, a
declaration to fill in) or changes the C++ it renders (parameter names): ``--unsafe-fixes``
applies those too. A suppression is never applied by ``fix_all``. ``FIXABLE`` lists the codes
that have fixes and whether they are safe (``docs/diagnostics.md`` shows the same table; a test
keeps the two in step).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from rocm_lsp.core.diagnostics import Diagnostic
from rocm_lsp.core.engine.analysis import Analysis
from rocm_lsp.core.engine.header import BENCH_KEYS, NODE_KEYS, TABLES, TOP_LEVEL_KEYS, find_header
from rocm_lsp.core.engine.jinja_checks import assigned_names
from rocm_lsp.core.engine.structure import Argument, HookSite, Value
from rocm_lsp.core.model.dtypes import canonical_dtype
from rocm_lsp.core.model.profiles import PROFILES, HookSpec, all_names, canonical_profile
from rocm_lsp.core.rules.arguments import bind
from rocm_lsp.core.suggest import close_match
from rocm_lsp.core.text import Edit, Span


@dataclass(frozen=True)
class Fix:
    """One way to resolve one finding."""

    title: str
    code: str
    edits: tuple[Edit, ...]
    safe: bool
    preferred: bool = False
    suppression: bool = False  # "Ignore RLxxx on this line": offered, never applied by fix_all


@dataclass(frozen=True)
class Fixed:
    """What :func:`fix_all` did: the new text, the fixes applied, and how many findings they fix
    (a fix shared by several findings, such as the names_str of two RL213s, counts each)."""

    text: str
    fixes: tuple[Fix, ...]
    findings: int


# Code -> whether its fix is safe (applied by `check --fix` without --unsafe-fixes).
FIXABLE: dict[str, bool] = {
    "RL103": False,  # unknown header key -> the close known key
    "RL104": False,  # unknown dtype -> the close dtype name
    "RL106": False,  # unknown profile -> the close profile name
    "RL111": False,  # undefined name -> the close declared name, or a [nodes] entry to fill in
    "RL201": True,  # names_str arity -> the names of inputs + outputs (the template does not render today)
    "RL204": False,  # input_reorder not a permutation -> the identity order
    "RL205": False,  # unknown hook -> the close hook name
    "RL206": True,  # def_kernel without size_args -> size_args=[] (the seed-era signature)
    "RL211": True,  # PT_EXPORT missing -> write it; doubled -> remove the written one
    "RL212": False,  # duplicate parameter name -> the names of inputs + outputs (renames C++ parameters)
    "RL213": False,  # names_str names another node -> the names of inputs + outputs (renames C++ parameters)
    "RL214": True,  # unused node -> remove its header entry (nothing renders from it)
}

NODE_SKELETON = '{name} = {{ dtype = "float16", size = [1] }}'
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_IGNORE = re.compile(r"rocm-lsp:\s*ignore\[([A-Z0-9,\s]*)\]")
_TAG_OPEN = re.compile(r"\{([{%#])")
_TAG_CLOSE = {"{": "}}", "%": "%}", "#": "#}"}
_RAW = re.compile(r"\{%-?\s*raw\s*-?%\}")
_END_RAW = re.compile(r"\{%-?\s*endraw\s*-?%\}")
# Abbreviations from other libraries (NumPy, CUDA, ONNX) that no edit distance reaches.
_DTYPE_SHORTHANDS = {"fp16": "float16", "fp32": "float32", "fp64": "float64", "bf16": "bfloat16",
                     "f16": "float16", "f32": "float32", "f64": "float64", "i8": "int8", "i16": "int16",
                     "i32": "int32", "i64": "int64", "u8": "uint8"}  # fmt: skip
_NO_IGNORE = frozenset({"RL100"})  # the analysed text is not the file's: nowhere to write a comment


def fixes_for(analysis: Analysis, diagnostic: Diagnostic) -> list[Fix]:
    """The fixes of one finding of ``analysis``: the preferred first, the suppression last."""
    fixer = _FIXERS.get(diagnostic.code)
    found = list(fixer(analysis, diagnostic)) if fixer is not None else []
    found.sort(key=lambda f: not f.preferred)
    ignore = _ignore(analysis, diagnostic)
    return found + ([ignore] if ignore is not None else [])


def fix_all(
    analysis: Analysis, diagnostics: Iterable[Diagnostic] | None = None, unsafe: bool = False
) -> Fixed:
    """Apply the first safe (or, with ``unsafe``, any) fix of each finding, in order; a fix whose
    edits overlap one already taken is skipped (the next pass, on the re-analysed text, gets it)."""
    taken: list[Fix] = []
    edits: list[Edit] = []
    findings = 0
    for d in analysis.diagnostics if diagnostics is None else diagnostics:
        fix = next(
            (f for f in fixes_for(analysis, d) if not f.suppression and (f.safe or unsafe)),
            None,
        )
        if fix is None:
            continue
        if any(t.edits == fix.edits for t in taken):
            findings += 1  # the same edit fixes this finding too
            continue
        if any(_conflict(a, b) for a in fix.edits for b in edits):
            continue
        taken.append(fix)
        edits.extend(fix.edits)
        findings += 1
    return Fixed(apply(analysis.text, edits), tuple(taken), findings)


def apply(text: str, edits: Iterable[Edit]) -> str:
    """``text`` with ``edits`` applied, back to front (ValueError if two of them overlap or
    insert at the same place)."""
    ordered = sorted(edits, key=lambda e: (e.span.start, e.span.end))
    for a, b in zip(ordered, ordered[1:]):
        if _conflict(a, b):
            raise ValueError(f"overlapping edits at {a.span} and {b.span}")
    for edit in reversed(ordered):
        text = text[: edit.span.start] + edit.new_text + text[edit.span.end :]
    return text


def _conflict(a: Edit, b: Edit) -> bool:
    """Whether two edits overlap, or start at the same offset (their order would be a guess)."""
    return (a.span.start < b.span.end and b.span.start < a.span.end) or a.span.start == b.span.start


# -- def_kernel ---------------------------------------------------------------------------


def _site(analysis: Analysis, span: Span, hook: str = "def_kernel") -> HookSite | None:
    """The innermost called ``hook`` site whose call contains ``span``."""
    best = None
    for site in analysis.outline.sites if analysis.outline is not None else ():
        call = site.call_span
        if site.hook == hook and call is not None and call.start <= span.start and span.end <= call.end:
            if best is None or best.call_span is None or call.start >= best.call_span.start:
                best = site
    return best


def _spec(analysis: Analysis, hook: str) -> HookSpec | None:
    profile = PROFILES.get(analysis.profile)
    return profile.hooks.get(hook) if profile is not None else None


def _argument(site: HookSite, spec: HookSpec, name: str) -> Argument | None:
    names = [p.name for p in spec.params]
    return site.argument(name, names.index(name)) if name in names else None


def _append_argument(site: HookSite, text: str) -> Edit | None:
    """Insert ``, text`` after the last argument of the call (None for a call without any)."""
    if not site.arguments:
        return None
    at = site.arguments[-1].span.end
    return Edit(Span(at, at), f", {text}")


def _names_str(analysis: Analysis, d: Diagnostic, safe: bool) -> Iterator[Fix]:
    """RL201, RL212, RL213: names_str = the variable names of inputs + outputs, in order."""
    site, spec = _site(analysis, d.span), _spec(analysis, "def_kernel")
    if site is None or spec is None:
        return
    items: list[Value] = []
    for param in ("inputs", "outputs"):
        arg = _argument(site, spec, param)
        if arg is None or arg.value.kind not in ("list", "tuple"):
            return
        items.extend(arg.value.items)
    names = [str(i.literal) for i in items if i.kind == "name"]
    if len(names) != len(items) or len(set(names)) != len(names):
        return  # a literal None has no name to give; a node passed twice cannot be named twice
    value = ", ".join(names)
    arg = _argument(site, spec, "names_str")
    if arg is None:
        edit = _append_argument(site, f'names_str="{value}"')
        if edit is None:
            return
    else:
        if arg.value.kind == "str" and arg.value.literal == value:
            return
        quote = arg.value.text[0] if arg.value.kind == "str" else '"'
        edit = Edit(arg.value.span, f"{quote}{value}{quote}")
    yield Fix(f'Set names_str to "{value}"', d.code, (edit,), safe=safe, preferred=True)


def _rl201(analysis: Analysis, d: Diagnostic) -> Iterator[Fix]:
    return _names_str(analysis, d, safe=True)


def _rl212_213(analysis: Analysis, d: Diagnostic) -> Iterator[Fix]:
    return _names_str(analysis, d, safe=False)


def _rl204(analysis: Analysis, d: Diagnostic) -> Iterator[Fix]:
    """input_reorder -> the identity order (as if it were not given)."""
    site, spec = _site(analysis, d.span), _spec(analysis, "def_kernel")
    if site is None or spec is None:
        return
    inputs, reorder = _argument(site, spec, "inputs"), _argument(site, spec, "input_reorder")
    if inputs is None or reorder is None or inputs.value.kind not in ("list", "tuple"):
        return
    identity = f"[{', '.join(str(i) for i in range(len(inputs.value.items)))}]"
    if reorder.value.text == identity:
        return
    edit = Edit(reorder.value.span, identity)
    yield Fix(
        f"Use input_reorder {identity} (the inputs in order)", d.code, (edit,), safe=False, preferred=True
    )


def _rl206(analysis: Analysis, d: Diagnostic) -> Iterator[Fix]:
    """def_kernel without the size_args its profile requires -> ``size_args=[]``.

    The size parameters the kernel body expects cannot be read from the body, so the fix gives
    none: the signature the call rendered with the seed, which had no size_args.
    """
    site, spec = _site(analysis, d.span), _spec(analysis, "def_kernel")
    if site is None or spec is None or _argument(site, spec, "size_args") is not None:
        return
    if "size_args" not in [p.name for p in spec.params]:
        return
    keywords = [a.keyword for a in site.arguments]
    missing = [f for f in bind(spec.name, spec.params, keywords).findings if f.code == "RL206"]
    given = bind(spec.name, spec.params, [*keywords, "size_args"]).findings
    about = [f for f in missing if f not in given]  # what passing size_args resolves
    if not about or not (len(missing) == 1 or any(f.message == d.message for f in about)):
        return
    edit = _append_argument(site, "size_args=[]")
    if edit is not None:
        yield Fix("Add size_args=[]", d.code, (edit,), safe=True, preferred=True)


def _rl211(analysis: Analysis, d: Diagnostic) -> Iterator[Fix]:
    """PT_EXPORT missing: write it before the ``{{``; doubled: remove the one written."""
    text, index = analysis.text, analysis.index
    if text[d.span.start : d.span.end] == "PT_EXPORT":
        line = index.position(d.span.start)[0]
        whole = index.line_span(line)
        before, after = text[whole.start : d.span.start], text[d.span.end : whole.end]
        if not before.strip() and not after.strip():  # the line holds only the word
            span = Span(whole.start, _next_line_start(analysis, line))
        elif after[:1] in (" ", "\t"):
            span = Span(d.span.start, d.span.end + len(after) - len(after.lstrip(" \t")))
        else:
            span = Span(d.span.start - (len(before) - len(before.rstrip(" \t"))), d.span.end)
        yield Fix(
            "Remove PT_EXPORT (def_kernel writes it itself)",
            d.code,
            (Edit(span, ""),),
            safe=True,
            preferred=True,
        )
        return
    site = _site(analysis, d.span)
    if site is None:
        return
    tag = site.tag_span.start
    if text.startswith("{{-", tag):  # `PT_EXPORT {{-` would strip the space: PT_EXPORTint
        edit = Edit(Span(tag, tag + 3), "PT_EXPORT {{")
    else:
        edit = Edit(Span(tag, tag), "PT_EXPORT ")
    yield Fix("Write PT_EXPORT before def_kernel", d.code, (edit,), safe=True, preferred=True)


# -- names --------------------------------------------------------------------------------


def _rl111(analysis: Analysis, d: Diagnostic) -> Iterator[Fix]:
    """An undefined name: the close declared (or ``set``) name; or declare it in [nodes]."""
    name = analysis.text[d.span.start : d.span.end]
    if not _IDENT.fullmatch(name):
        return  # a render-time finding on a whole line
    header = analysis.header
    known = [*header.nodes, *header.vars]
    if analysis.ast is not None:
        known += sorted(assigned_names(analysis.ast))
    match = close_match(name, known)
    if match is not None:
        yield Fix(f"Replace {name} with {match}", d.code, (Edit(d.span, match),), safe=False, preferred=True)
    edit = _declare_node(analysis, name)
    if edit is not None:
        yield Fix(f"Declare {name} in [nodes]", d.code, (edit,), safe=False, preferred=match is None)


def _declare_node(analysis: Analysis, name: str) -> Edit | None:
    """Insert ``NAME = { dtype = "float16", size = [1] }`` at the end of the header's [nodes]
    table (a new table at the end of the header if it has none)."""
    header, text, index = analysis.header, analysis.text, analysis.index
    found = find_header(text)
    if not header.present or not header.valid_toml or found is None or ("nodes", name) in header.spans:
        return None
    _, body_start, body_end = found
    entry = NODE_SKELETON.format(name=name)
    table = header.spans.get(("nodes",))
    last_line = index.position(body_end)[0]
    if table is None:
        return _insert_line(analysis, body_start, body_end, last_line, f"[nodes]{_newline(analysis)}{entry}")
    line = index.position(table.start)[0]
    if not index.line_text(line).strip().startswith("[nodes]"):
        return None  # `[nodes.X]` tables or an inline `nodes = {…}`: no place for a plain entry
    last = line
    for n in range(line + 1, last_line + 1):
        span = index.line_span(n)
        content = text[span.start : min(span.end, body_end)].strip()
        if content.startswith("["):
            break
        if content and not content.startswith("#"):
            last = n
    return _insert_line(analysis, body_start, body_end, last, entry)


def _insert_line(analysis: Analysis, body_start: int, body_end: int, after: int, content: str) -> Edit:
    """An edit that puts ``content`` on a line of its own after line ``after`` of the header body
    (before the closing ``-#}`` when that line holds it)."""
    nl = _newline(analysis)
    line = analysis.index.line_span(after)
    if line.end <= body_end:
        return Edit(Span(line.end, line.end), f"{nl}{content}")
    if not analysis.text[max(line.start, body_start) : body_end].strip():
        return Edit(Span(line.start, line.start), f"{content}{nl}")  # `-#}` alone on its line
    return Edit(Span(body_end, body_end), f"{nl}{content}{nl}")


def _newline(analysis: Analysis) -> str:
    m = re.search(r"\r\n|\r|\n", analysis.text)
    return m.group(0) if m else "\n"


def _next_line_start(analysis: Analysis, line: int) -> int:
    index = analysis.index
    return index.line_span(line + 1).start if line + 1 < index.line_count else len(analysis.text)


def _rl205(analysis: Analysis, d: Diagnostic) -> Iterator[Fix]:
    """A hook name no profile has -> the close hook of this profile."""
    name = analysis.text[d.span.start : d.span.end]
    profile = PROFILES.get(analysis.profile)
    if profile is None or not _IDENT.fullmatch(name):
        return
    if any(name in p.hooks or name in p.attributes for p in PROFILES.values()):
        return  # a hook of another torch, not a typo
    match = close_match(name, profile.hooks)
    if match is not None:
        yield Fix(f"Replace {name} with {match}", d.code, (Edit(d.span, match),), safe=False, preferred=True)


# -- header -------------------------------------------------------------------------------


def _rl103(analysis: Analysis, d: Diagnostic) -> Iterator[Fix]:
    """An unknown header key (a table, a [bench] key, a node's key) -> the close known key."""
    spans = analysis.header.spans
    known: tuple[str, ...]
    target: tuple[str, ...]
    for path, span in spans.items():
        if span != d.span:
            continue
        if len(path) == 1:  # a table (or inline table) takes a table's name, as the message says
            value = spans.get(path + ("=",))
            table = value is None or analysis.text.startswith("{", value.start)
            known, key, target = TABLES if table else TOP_LEVEL_KEYS, path[0], ()
        elif len(path) == 2 and path[0] == "bench":
            known, key, target = BENCH_KEYS, path[1], path[:1]
        elif len(path) == 4 and path[0] == "nodes" and path[3] == "@key":
            known, key, target = NODE_KEYS, path[2], path[:2]
        else:
            continue
        if key in known:
            return  # a known key the profile ignores (runtime_args on the seed)
        match = close_match(key, known)
        if match is None or target + (match,) in spans or target + (match, "@key") in spans:
            return  # nothing close, or the close key is already there
        yield Fix(f"Rename {key} to {match}", d.code, (Edit(d.span, match),), safe=False, preferred=True)
        return


def _string_value(analysis: Analysis, span: Span) -> tuple[str, str] | None:
    """``(quote, value)`` of a TOML basic or literal string without escapes in the header."""
    header = analysis.header.span
    raw = analysis.text[span.start : span.end]
    if header is None or not (header.start <= span.start and span.end <= header.end):
        return None
    if len(raw) < 2 or raw[0] not in "\"'" or raw[-1] != raw[0] or "\\" in raw or raw[0] in raw[1:-1]:
        return None
    return raw[0], raw[1:-1]


def _rl104(analysis: Analysis, d: Diagnostic) -> Iterator[Fix]:
    """A dtype torch does not know -> the close dtype name of this profile."""
    found = _string_value(analysis, d.span)
    profile = PROFILES.get(analysis.profile)
    if found is None or profile is None or canonical_dtype(found[1]) is not None:
        return  # a known dtype this torch lacks is not a typo
    quote, value = found
    short = _DTYPE_SHORTHANDS.get(value.lower())
    match = short if short in profile.dtypes else close_match(value, sorted(profile.dtypes))
    if match is not None:
        edit = Edit(d.span, f"{quote}{match}{quote}")
        yield Fix(f"Use dtype {match}", d.code, (edit,), safe=False, preferred=True)


def _rl106(analysis: Analysis, d: Diagnostic) -> Iterator[Fix]:
    """An unknown profile -> the close profile name."""
    found = _string_value(analysis, d.span)
    if found is None or canonical_profile(found[1]) is not None:
        return
    quote, value = found
    match = close_match(value, all_names())
    if match is not None:
        edit = Edit(d.span, f"{quote}{match}{quote}")
        yield Fix(f"Use profile {match}", d.code, (edit,), safe=False, preferred=True)


def _rl214(analysis: Analysis, d: Diagnostic) -> Iterator[Fix]:
    """An unused node -> remove its header entry, when it has its line(s) to itself."""
    header, text, index = analysis.header, analysis.text, analysis.index
    name = text[d.span.start : d.span.end]
    decl = header.nodes.get(name)
    value = header.spans.get(("nodes", name, "="))
    if decl is None or decl.key_span != d.span or value is None:
        return
    reference = header.bench.get("reference")
    if isinstance(reference, str) and re.search(rf"\b{re.escape(name)}\b", reference):
        return  # [bench].reference reads it
    first, last = index.position(d.span.start)[0], index.position(value.end)[0]
    start, end = index.line_span(first).start, index.line_span(last).end
    found = find_header(text)
    rest = text[value.end : end].strip()
    if text[start : d.span.start].strip() or (rest and not rest.startswith("#")):
        return  # something else shares its line
    if found is None or end > found[2]:
        return  # the header's closing `-#}` is on its line
    edit = Edit(Span(start, _next_line_start(analysis, last)), "")
    yield Fix(f"Remove the unused node {name}", d.code, (edit,), safe=True, preferred=True)


# -- suppression --------------------------------------------------------------------------


def _ignore(analysis: Analysis, d: Diagnostic) -> Fix | None:
    """Append ``{# rocm-lsp: ignore[CODE] #}`` to the finding's line (``# rocm-lsp:
    ignore[CODE]`` on a header line), or add the code to the one already there. None where
    a comment cannot go: a line that ends inside a ``{{ … }}``, a tag, a comment or a raw block."""
    if d.code in _NO_IGNORE:
        return None
    text, index = analysis.text, analysis.index
    line = index.line_span(index.position(d.span.start)[0])
    title = f"Ignore {d.code} on this line"
    found = find_header(text)
    in_header = found is not None and found[1] <= line.end < found[2]
    existing = None
    for m in _IGNORE.finditer(text, line.start, line.end):
        prefix = text[line.start : m.start()].rstrip()
        if prefix.endswith("#" if in_header else ("{#", "{#-")):
            existing = m
    if existing is not None:
        codes = [c.strip() for c in existing.group(1).split(",") if c.strip()]
        if d.code in codes:
            return None
        at = existing.end(1)
        while at > existing.start(1) and text[at - 1].isspace():
            at -= 1
        edit = Edit(Span(at, at), f", {d.code}" if codes else d.code)
        return Fix(title, d.code, (edit,), safe=False, suppression=True)
    body = text[line.start : line.end]
    if in_header:
        comment, gap = f"# rocm-lsp: ignore[{d.code}]", "  " if body.strip() else ""
    elif _inside_tag(text, line.end):
        return None
    else:
        # Rendered exactly as before: `{#-` takes back the space before it, and after a tag that
        # strips what follows it (`-%}`), `-#}` strips the line break as that tag did.
        spaced = bool(body.strip()) and not body[-1].isspace()
        after = "-" if body.rstrip().endswith(("-}}", "-%}", "-#}")) else ""
        comment, gap = (
            f"{{#{'-' if spaced else ''} rocm-lsp: ignore[{d.code}] {after}#}}",
            " " if spaced else "",
        )
    return Fix(title, d.code, (Edit(Span(line.end, line.end), gap + comment),), safe=False, suppression=True)


def _inside_tag(text: str, offset: int) -> bool:
    """Whether ``offset`` lies inside a Jinja tag, comment or raw block (or one never closed)."""
    pos = 0
    while (m := _TAG_OPEN.search(text, pos)) is not None and m.start() < offset:
        raw = _RAW.match(text, m.start())
        if raw is not None:
            end = _END_RAW.search(text, raw.end())
            close = len(text) if end is None else end.end()
        else:
            found = text.find(_TAG_CLOSE[m.group(1)], m.end())
            close = len(text) if found == -1 else found + 2
        if close > offset:
            return True
        pos = close
    return False


_FIXERS = {
    "RL103": _rl103,
    "RL104": _rl104,
    "RL106": _rl106,
    "RL111": _rl111,
    "RL201": _rl201,
    "RL204": _rl204,
    "RL205": _rl205,
    "RL206": _rl206,
    "RL211": _rl211,
    "RL212": _rl212_213,
    "RL213": _rl212_213,
    "RL214": _rl214,
}


def edits_of(fixes: Sequence[Fix]) -> list[Edit]:
    """Every edit of ``fixes`` (as :func:`fix_all` returns them: none overlap)."""
    return [e for f in fixes for e in f.edits]


__all__ = ["FIXABLE", "Edit", "Fix", "Fixed", "apply", "edits_of", "fix_all", "fixes_for"]
