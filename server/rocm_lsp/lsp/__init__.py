"""The language server: a thin pygls layer over :mod:`rocm_lsp.core`."""
