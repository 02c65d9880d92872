"""The pure core: template model, hook semantics, rendering and diagnostics.

Nothing here knows about LSP, JSON-RPC, asyncio or subprocesses; inputs are text and
outputs are plain dataclasses with spans as character offsets.
"""
