"""Entry point for ``python -m ereceipt``: the same command line as the ``ereceipt`` script."""

from ereceipt.cli import main

raise SystemExit(main())
