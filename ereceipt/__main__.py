"""Entry point for ``python -m ereceipt``: the same command line as the ``ereceipt`` script."""

from ereceipt.app.cli import main

raise SystemExit(main())
