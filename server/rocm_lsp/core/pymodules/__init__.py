"""Inductor's own Python template modules (``torch/_inductor/codegen/rocm/*.py``): read
statically with tree-sitter, never imported or run; their Jinja strings go through the template
engine's checks.

Never imports: editor features, the workspace, LSP or pygls.
"""
