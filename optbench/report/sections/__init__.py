"""The report's sections, one module each: a `TITLE` and `build(section, budget,
progress)`. Their order in the report is `optbench.report.SECTIONS`."""
