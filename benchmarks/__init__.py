"""asv suites for optbench (see common.py); `asv run --python=same --quick` runs them all."""
