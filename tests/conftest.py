"""Shared settings. tests/ is on sys.path (pyproject: pythonpath), so test modules can
`import strategies`."""

from hypothesis import settings

settings.register_profile("default", deadline=None, max_examples=50)
settings.load_profile("default")
