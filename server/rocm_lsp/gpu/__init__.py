"""GPU work: compiler discovery, compilation and (in a worker process) benchmarking.

Everything here runs only when the user asks (a lens, a command, ``rocm-lsp compile``);
nothing is imported by the analysis core, and the server never imports torch.
"""
