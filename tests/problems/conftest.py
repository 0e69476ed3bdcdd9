import pytest


@pytest.fixture(autouse=True)
def private_f_star_cache(tmp_path, monkeypatch):
    """Keep the on-disk f* cache of these tests out of the user's ~/.cache."""
    monkeypatch.setenv("OPTBENCH_CACHE_DIR", str(tmp_path / "cache"))
