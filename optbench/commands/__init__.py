"""The subcommands of `optbench`, one module each (see `optbench.cli`)."""
