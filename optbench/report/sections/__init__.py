"""The report's sections, one module each: a `TITLE` and `build(section, budget,
progress)`. Their order in the report is `optbench.report.SECTIONS`; `comparison`, whose
`build` also takes the two commits, is added only by `optbench report --compare`."""
