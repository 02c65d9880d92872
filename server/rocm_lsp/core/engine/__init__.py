"""The template engine: a ``.hip.jinja`` text in, findings and rendered C++ out — the header,
the outline, the static checks, Jinja's sandboxed environment, the render and the process it
runs in, and ``analyze`` which ties them together.

Never imports: editor features, the workspace (files, settings, caches), LSP or pygls.
"""
