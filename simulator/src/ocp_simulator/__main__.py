"""`python -m ocp_simulator`: the same as the `ocp-simulator` command."""

from .cli import main

raise SystemExit(main())
