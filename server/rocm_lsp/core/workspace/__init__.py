"""The workspace: reading files safely, settings (``[tool.rocm-lsp]``), the check cache, the
``check`` command's walk over paths, and which torch tree a file belongs to.

May import every other part of the core; never LSP or pygls.
"""
