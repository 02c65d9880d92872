"""The Jinja checks both engines share: the template engine (``analysis.py``) on a
``.hip.jinja`` file, and the Python engine (``core/pymodules/``) on each template string of a
module.

Each takes plain inputs (the template text, its :class:`LineIndex`, a parsed Jinja AST) and
gives findings in the text's offsets: Jinja syntax and compile errors, template nesting too
deep to follow, the names a template assigns and its ``{% for %}`` scopes, suppression
comments, dedupe, and the RL199 finding for a failure of the engine itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import jinja2
from jinja2 import nodes

from rocm_lsp.core.diagnostics import Diagnostic, make
from rocm_lsp.core.engine.jinja_env import compile_template, environment, undeclared_names
from rocm_lsp.core.text import LineIndex, Span, blank_comments

MAX_TEMPLATE_BYTES = 4 * 1024 * 1024  # the largest file either engine analyses
_CODES = r"rocm-lsp:\s*ignore\[([A-Z0-9,\s]+)\]"
_IGNORE_IN_JINJA = re.compile(r"\{#-?\s*" + _CODES)  # `{# rocm-lsp: ignore[RL201] #}`
_IGNORE_AFTER_HASH = re.compile(r"#\s*" + _CODES)  # `# rocm-lsp: ignore[RL104]` (TOML, Python)
_BLOCK_TAG = re.compile(r"\{%[-+]?\s*(end)?(\w+)")
_BLOCKS = {"if", "for", "macro", "call", "filter", "block", "with", "raw", "autoescape", "trans"}


# -- errors -------------------------------------------------------------------------------


def too_deep() -> Diagnostic:
    """RL110 for a template nested deeper than Jinja's parser or compiler (Python) can follow."""
    return make("RL110", "Jinja cannot compile this template: it nests too deeply", Span(0, 0))


def internal_error(exc: BaseException) -> Diagnostic:
    """RL199: the engine itself failed on the file (as ``rocm-lsp check`` reports it)."""
    detail = str(exc)
    detail = detail[:500] + "…" if len(detail) > 500 else detail
    message = f"internal error: {type(exc).__name__}: {detail} — please report this with the file"
    return make("RL199", message, Span(0, 0))


def stripped_line(text: str, index: LineIndex, line: int | None) -> Span:
    """1-based ``line`` of ``text`` without its indentation (``Span(0, 0)`` for None)."""
    if line is None:
        return Span(0, 0)
    span = index.line_span(min(line - 1, index.line_count - 1))
    body = text[span.start : span.end]
    lead = len(body) - len(body.lstrip())
    return Span(span.start + lead, span.end) if body.strip() else span


def overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end or a == b


def syntax_error(text: str, index: LineIndex, exc: jinja2.TemplateSyntaxError) -> Diagnostic:
    """RL110 for Jinja's syntax error, at the block left open or the line Jinja names."""
    m = re.search(r"innermost block that needs to be closed is '(\w+)'", exc.message or "")
    if m and (exc.message or "").startswith("Unexpected end of template"):
        span = _unclosed_block(text, m.group(1))
        if span is not None:
            return make(
                "RL110",
                f"Jinja syntax error: {{% {m.group(1)} %}} is never closed with {{% end{m.group(1)} %}}",
                span,
            )
    span = stripped_line(text, index, max(1, exc.lineno or 1))
    return make("RL110", f"Jinja syntax error: {exc.message}", span)


def compile_error(
    text: str, index: LineIndex, ast: nodes.Template | None, exc: SyntaxError, found: list[Diagnostic]
) -> list[Diagnostic]:
    """A Python syntax error in Jinja's generated code, mapped back to the template line."""
    line = None
    try:
        source = "" if ast is None else environment().compile(ast, raw=True)
        m = re.search(r"^debug_info = '([\d=&]*)'", source, re.M)
        if m and m.group(1) and exc.lineno:
            pairs = [tuple(map(int, p.split("="))) for p in m.group(1).split("&")]
            line = max((t for t, c in pairs if c <= exc.lineno), default=None)
    except Exception:  # noqa: BLE001 - the mapping is best effort: the finding stays, at line 1
        line = None
    span = stripped_line(text, index, line)
    if any(d.code == "RL207" and overlaps(d.span, span) for d in found):
        return []  # the static check already explains it (a hook keyword passed twice)
    return [make("RL110", f"Jinja syntax error: {exc.msg}", span)]


def compile_checked(
    text: str, index: LineIndex, ast: nodes.Template, diags: list[Diagnostic]
) -> tuple[jinja2.Template | None, set[str] | None]:
    """Compile a parsed template: the template and the names it reads, appending to ``diags``
    what Jinja's compiler or Python's says. A template that does not compile still gives its
    names (from Jinja's ``meta``); one nested too deeply gives ``(None, None)`` and RL110."""
    try:
        return compile_template(ast)
    except jinja2.TemplateSyntaxError as exc:  # e.g. an unknown filter
        diags.append(syntax_error(text, index, exc))
    except SyntaxError as exc:  # Python's, e.g. "keyword argument repeated"
        diags.extend(compile_error(text, index, ast, exc, diags))
    except RecursionError:
        diags.append(too_deep())
        return None, None
    return None, undeclared_names(ast)


# -- names and scopes ------------------------------------------------------------------------


def assigned_names(ast: nodes.Template) -> set[str]:
    """Names the template assigns itself (``set``, ``macro``): its own, never undefined."""
    assigned = {m.name for m in ast.find_all(nodes.Macro)}
    for assign in ast.find_all((nodes.Assign, nodes.AssignBlock)):
        assert isinstance(assign, (nodes.Assign, nodes.AssignBlock))
        targets = [assign.target, *assign.target.find_all(nodes.Name)]
        assigned |= {t.name for t in targets if isinstance(t, nodes.Name)}
    return assigned


@dataclass(frozen=True)
class _Block:
    tag: str
    opening: Span  # the ``{% tag … %}`` tag
    end: int | None  # end of the matching ``{% endtag %}``, if any
    head: str  # the opening tag's text


def _blocks(text: str) -> list[_Block]:
    """Jinja block statements with their extent (comments and raw blocks ignored)."""
    clean = blank_comments(text)
    stack: list[tuple[str, Span, str]] = []
    out: list[_Block] = []
    for m in _BLOCK_TAG.finditer(clean):
        tag = m.group(2)
        close = clean.find("%}", m.end())
        span = Span(m.start(), close + 2 if close != -1 else m.end())
        if m.group(1):
            if stack and stack[-1][0] == tag:
                name, opening, head = stack.pop()
                out.append(_Block(name, opening, span.end, head))
        elif tag in _BLOCKS or (tag == "set" and "=" not in clean[m.end() : close]):
            stack.append((tag, span, clean[span.start : span.end]))
    out.extend(_Block(tag, opening, None, head) for tag, opening, head in stack)
    return out


def _unclosed_block(text: str, name: str) -> Span | None:
    """The innermost opening ``{% name %}`` tag left unclosed."""
    unclosed = [b for b in _blocks(text) if b.end is None and b.tag == name]
    return max(unclosed, key=lambda b: b.opening.start).opening if unclosed else None


def loop_scopes(text: str) -> list[tuple[set[str], Span]]:
    """``{% for a, b in … %}`` loops: the names they bind and the text they cover."""
    out = []
    for block in _blocks(text):
        if block.tag != "for" or block.end is None:
            continue
        m = re.match(r"\{%[-+]?\s*for\s+(.+?)\s+in\b", block.head, re.S)
        if m:
            names = set(re.findall(r"[A-Za-z_]\w*", m.group(1))) | {"loop"}
            out.append((names, Span(block.opening.start, block.end)))
    return out


# -- final shaping -----------------------------------------------------------------------------


def suppressions(text: str, index: LineIndex, hash_comments: Span | None) -> dict[int, set[str]]:
    """Codes silenced per line: ``{# rocm-lsp: ignore[…] #}`` anywhere, and ``# rocm-lsp:
    ignore[…]`` inside ``hash_comments`` (a template's TOML header; all of a Python module)."""
    if "rocm-lsp" not in text:
        return {}
    found = [(m.start(), m.group(1)) for m in _IGNORE_IN_JINJA.finditer(text)]
    if hash_comments is not None:
        body = text[hash_comments.start : hash_comments.end]
        found += [(hash_comments.start + m.start(), m.group(1)) for m in _IGNORE_AFTER_HASH.finditer(body)]
    out: dict[int, set[str]] = {}
    for start, codes in found:
        line = index.position(start)[0]
        out.setdefault(line, set()).update(c.strip() for c in codes.split(",") if c.strip())
    return out


def suppress(
    diags: Iterable[Diagnostic], text: str, index: LineIndex, hash_comments: Span | None
) -> list[Diagnostic]:
    """``diags`` less those a suppression comment on their line silences (:func:`suppressions`)."""
    silenced = suppressions(text, index, hash_comments)
    return [d for d in diags if d.code not in silenced.get(index.position(d.span.start)[0], ())]


def dedupe(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """The first finding of each code at each span, sorted by position then code (the rule
    ``analysis._finish`` applies too, after dropping render-time twins of static findings)."""
    seen: set[tuple[str, int, int]] = set()
    out = []
    for d in diags:
        key = (d.code, d.span.start, d.span.end)
        if key not in seen:
            seen.add(key)
            out.append(d)
    out.sort(key=lambda d: (d.span.start, d.code))
    return out


__all__ = [
    "MAX_TEMPLATE_BYTES",
    "assigned_names",
    "compile_checked",
    "compile_error",
    "dedupe",
    "internal_error",
    "stripped_line",
    "loop_scopes",
    "overlaps",
    "suppress",
    "suppressions",
    "syntax_error",
    "too_deep",
]
