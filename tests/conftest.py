"""Shared settings: tests/ is on sys.path, so test modules can `import mutants`."""

from hypothesis import settings

settings.register_profile("default", deadline=None, max_examples=25)
settings.load_profile("default")
