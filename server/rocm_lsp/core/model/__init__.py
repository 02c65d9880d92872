"""The Inductor model: what real Inductor does, without torch — profiles (one per torch era),
the template kernel and its hooks, IR nodes and layouts, kernel arguments, size expressions and
their symbolic printing, dtypes, and the value types a template holds.

Never imports: Jinja, the template engine (``core.engine``), editor features, the workspace, LSP.
"""
