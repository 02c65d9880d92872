"""Editor features over an analysis: hover, completion, inlay hints, navigation. Each works on
the text and its analysis, never on files.

Never imports: the workspace (files, settings, caches), LSP or pygls; never opens a file.
"""
