"""Built-in update rules, one module each defining `rule = Rule(...)`; the registry
finds them by listing this package."""
