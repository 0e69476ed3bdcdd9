"""Built-in update rules, one module each; `optbench.registry` finds them by listing."""
