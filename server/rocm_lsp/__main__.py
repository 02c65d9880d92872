"""``python -m rocm_lsp`` runs the command-line interface."""

from rocm_lsp.cli import main

raise SystemExit(main())
