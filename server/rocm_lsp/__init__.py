"""rocm-lsp: editor tooling for PyTorch Inductor ROCm kernel templates."""

__version__ = "0.1.0"
