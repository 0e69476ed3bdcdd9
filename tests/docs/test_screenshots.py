"""The pure parts of docs/screenshots.py, the contributor tool that photographs the asv
dashboard offline: the rewriting of asv's index.html and the mapping of its CDN
addresses onto npm packages. Neither Chromium, Playwright, npm nor a network is needed
(the tool itself imports Playwright only when it starts a browser)."""

import base64
import hashlib
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("screenshots", ROOT / "docs" / "screenshots.py")
screenshots = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(screenshots)

PAGE = """<head>
<script src="https://code.jquery.com/jquery-3.3.1.min.js" integrity="sha256-AAAA" crossorigin="anonymous" onerror="js_load_failure()"></script>
<script src='https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/js/bootstrap.min.js' integrity='sha256-BBBB'></script>
<script language="javascript" type="text/javascript" src="jquery.flot.axislabels.js"></script>
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/css/bootstrap.min.css"
      integrity="sha256-CCCC" crossorigin="anonymous">
<link rel="alternate" type="application/atom+xml" title="Regressions" href="https://example.org/feed.xml"/>
</head>"""


def asv_index():
    asv = pytest.importorskip("asv")
    return (Path(asv.__file__).parent / "www" / "index.html").read_text()


def test_strip_integrity_drops_only_the_integrity_attributes():
    stripped = screenshots.strip_integrity(PAGE)
    assert "integrity" not in stripped and "sha256" not in stripped
    assert stripped.count('crossorigin="anonymous"') == 2
    assert 'onerror="js_load_failure()"' in stripped
    assert screenshots.external_urls(stripped) == screenshots.external_urls(PAGE)


def test_external_urls_are_the_scripts_and_stylesheets_not_the_feed():
    assert screenshots.external_urls(PAGE) == [
        "https://code.jquery.com/jquery-3.3.1.min.js",
        "https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/js/bootstrap.min.js",
        "https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/css/bootstrap.min.css",
    ]


def test_local_file_maps_urls_into_the_packages(tmp_path):
    for relative in ("jquery/dist/jquery.min.js", "flot/jquery.flot.js", "flot/jquery.flot.time.min.js",
                     "bootstrap/dist/fonts/glyphicons-halflings-regular.eot"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("//")
    local = lambda url: screenshots.local_file(url, tmp_path)  # noqa: E731
    assert local("https://code.jquery.com/jquery-3.3.1.min.js") == tmp_path / "jquery/dist/jquery.min.js"
    # flot 0.8.3 on npm ships no minified file: the unminified one answers
    assert local("https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.min.js") == tmp_path / "flot/jquery.flot.js"
    assert local("https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.time.min.js") == (
        tmp_path / "flot/jquery.flot.time.min.js")
    # bootstrap's css asks for its fonts relative to itself, with a query
    assert local("https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/fonts/glyphicons-halflings-regular.eot?#iefix") == (
        tmp_path / "bootstrap/dist/fonts/glyphicons-halflings-regular.eot")
    assert local("https://cdnjs.cloudflare.com/ajax/libs/stupidtable/1.0.1/stupidtable.min.js") == (
        tmp_path / "stupid-table-plugin/stupidtable.min.js")
    assert local("https://example.org/tracker.js") is None
    assert local("https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/../../etc/passwd") is None


def test_package_name():
    assert screenshots.package_name("jquery@3.3.1") == "jquery"
    assert screenshots.package_name("@scope/name@1.0.0") == "@scope/name"
    assert screenshots.package_name("flot") == "flot"


def test_same_bytes_checks_the_sri_hash():
    data = b"window.x = 1;\n"
    sri = "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()
    assert screenshots.same_bytes(sri, data)
    assert not screenshots.same_bytes(sri, data + b" ")
    assert not screenshots.same_bytes("md5-xyz", data)
    assert screenshots.integrities(PAGE)["https://code.jquery.com/jquery-3.3.1.min.js"] == "sha256-AAAA"


def test_plotted_points_counts_points_with_a_value():
    series = [{"data": [[0, 1.0], [1, None], [2, 3.0]]}, {"data": []}, {"data": [None, [5, 0.0]]}]
    assert screenshots.plotted_points(series) == 3


def test_every_cdn_file_of_the_installed_asv_has_a_package():
    """A newer asv that loads another file fails here before it fails in the browser."""
    html = asv_index()
    assert len(screenshots.external_urls(html)) >= 10
    assert screenshots.uncovered(html) == []
    assert "integrity" not in screenshots.strip_integrity(html)
