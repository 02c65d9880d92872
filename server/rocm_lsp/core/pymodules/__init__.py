"""Inductor's own Python template modules (``torch/_inductor/codegen/rocm/*.py``): read
statically with tree-sitter, never imported or run; their Jinja strings go through the template
engine's checks (``core/engine/jinja_checks.py``).

Read in this order: ``analyzer`` (the entry point, :func:`analyze_python`), ``results`` (what
it returns), ``module_model`` (a parsed module), ``scope`` (which string an expression is),
``render_calls`` (``render`` and ``def_kernel`` calls), ``checks`` (the Jinja pass),
``source_map`` (string offsets to file offsets).

Never imports: editor features, the workspace, LSP or pygls.
"""
