"""Check the asv dashboard and the report's History section in a real headless Chromium,
and refresh their screenshots in docs/.

Run from the repository root, with the Python that has asv and optbench's report extra:

    python docs/screenshots.py                  # both pages
    python docs/screenshots.py --only history   # or --only dashboard

It needs Chromium (Debian: `apt-get install chromium`, /usr/bin/chromium; another with
--chromium or $CHROMIUM), the pip package `playwright` (only as a driver: it never
downloads a browser here, so no `playwright install`) and npm, which installs asv's
JavaScript dependencies once into ~/.cache/optbench-screenshots (--cache). Nothing is
fetched from anywhere else, so it runs on a machine that reaches only package registries.

1. The dashboard: `python -m asv publish` (results/asv -> .asv/html), served on
   localhost. asv's index.html loads jquery, flot and its plugins, stupidtable,
   blueimp-md5 and bootstrap from public CDNs, with SRI integrity attributes; offline
   they fail and the page shows nothing. Every request for them is answered from the
   npm packages of the same versions (stupidtable excepted: 1.0.1 was never published
   on npm, so its nearest release there, stupid-table-plugin 1.1.3, with the same
   API), and index.html is served without its integrity attributes, since those files
   need not be byte for byte the CDN's (flot 0.8.3 on npm ships no minified files, so
   the unminified ones are served). Any other request to outside is refused and makes
   the run fail. Saved: docs/asv-dashboard.png (the benchmark grid) and
   docs/asv-graph.png (one benchmark across commits).
2. The report: `python -m optbench report --section history` into a temporary folder,
   report.html opened from disk. Saved: docs/report-history.png (the History section).

A check that fails (asv's "failed to load" page, a graph with no plotted point, a
picture that did not load, a section marked FAILED) ends the run with status 1 and a
one-line message; nothing it would have saved is overwritten then.
"""

import argparse
import base64
import contextlib
import functools
import hashlib
import http.server
import json
import mimetypes
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

DOCS = pathlib.Path("docs")
HTML_DIR = pathlib.Path(".asv", "html")  # asv.conf.json's html_dir
CACHE = pathlib.Path(os.environ.get("XDG_CACHE_HOME", pathlib.Path.home() / ".cache"), "optbench-screenshots")
GRAPH = "throughput.TrackThroughput.track_time_over_bound"  # the benchmark drawn in asv-graph.png
REPORT_SECTION = "history"
SECTION_TITLE = "History"  # how optbench/report/sections/history.py's TITLE starts

# What Chromium is started with: no network of its own (the closed network refuses its
# background connections otherwise), a profile of its own (launch_persistent_context).
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 900}
TIMEOUT_MS = 60_000

# URL prefix in asv 0.6's index.html -> (npm package spec, folder inside the package).
# A URL under the prefix is served from that folder with the rest of its path, so the
# bootstrap css's own relative requests (its fonts) are answered too.
CDN = {
    "https://code.jquery.com/jquery-3.3.1": ("jquery@3.3.1", "dist/jquery"),
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/": ("flot@0.8.3", ""),
    "https://cdn.jsdelivr.net/npm/flot-orderbars@1.0.0/": ("flot-orderbars@1.0.0", ""),
    "https://cdnjs.cloudflare.com/ajax/libs/stupidtable/1.0.1/": ("stupid-table-plugin@1.1.3", ""),
    "https://cdnjs.cloudflare.com/ajax/libs/blueimp-md5/2.19.0/": ("blueimp-md5@2.19.0", ""),
    "https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/": ("bootstrap@3.1.1", ""),
}


class Failure(Exception):
    """A check that did not pass; its message is the one line the run ends with."""


# -- Pure helpers (tests/docs/test_screenshots.py) --------------------------------------


def strip_integrity(html):
    """`html` without its SRI `integrity="..."` attributes (the local copies may differ
    from the CDN's bytes, and a mismatch makes the browser refuse the script)."""
    return re.sub(r"""\s+integrity\s*=\s*(?:"[^"]*"|'[^']*')""", "", html)


def external_urls(html):
    """The http(s) URLs that `html`'s script and link elements load, in order."""
    tags = re.findall(r"<(?:script|link)\b[^>]*>", html, re.I)
    found = []
    for tag in tags:
        if re.match(r"<link\b", tag, re.I) and not re.search(r"""rel\s*=\s*["']?stylesheet""", tag, re.I):
            continue  # an alternate feed or an icon is not loaded with the page
        for url in re.findall(r"""\b(?:src|href)\s*=\s*["'](https?://[^"']+)["']""", tag, re.I):
            found.append(url)
    return found


def package_name(spec):
    """'jquery@3.3.1' -> 'jquery' (a scoped '@scope/name@1' -> '@scope/name')."""
    return spec.rsplit("@", 1)[0] if spec.count("@") > (1 if spec.startswith("@") else 0) else spec


def local_file(url, modules):
    """The file under `modules` (a node_modules folder) that answers `url`, or None for
    a URL none of CDN's packages serves. A minified name whose file the package does
    not ship falls back to the unminified one (flot 0.8.3 on npm has none minified)."""
    bare = urllib.parse.urldefrag(url)[0].split("?", 1)[0]
    for prefix, (spec, folder) in CDN.items():
        if not bare.startswith(prefix):
            continue
        rest = bare[len(prefix):]
        relative = (folder + rest) if folder else rest
        if not relative or ".." in pathlib.PurePosixPath(relative).parts:
            return None
        path = pathlib.Path(modules, package_name(spec), *pathlib.PurePosixPath(relative).parts)
        unminified = path.with_name(path.name.replace(".min.", ".", 1))
        return unminified if not path.is_file() and unminified.is_file() else path
    return None


def uncovered(html):
    """The external URLs of `html` that CDN has no package for (a newer asv's)."""
    return [url for url in external_urls(html) if local_file(url, "node_modules") is None]


def same_bytes(integrity, data):
    """Whether `data` has the SRI hash `integrity` ("sha256-<base64>", "sha512-..."):
    whether a local copy is byte for byte the file the CDN serves."""
    algorithm, _, digest = integrity.partition("-")
    if algorithm not in ("sha256", "sha384", "sha512"):
        return False
    return base64.b64encode(hashlib.new(algorithm, data).digest()).decode("ascii") == digest


def integrities(html):
    """{url: integrity} of `html`'s script and link elements that have one."""
    found = {}
    for tag in re.findall(r"<(?:script|link)\b[^>]*>", html, re.I):
        url = re.search(r"""\b(?:src|href)\s*=\s*["'](https?://[^"']+)["']""", tag, re.I)
        integrity = re.search(r"""\bintegrity\s*=\s*["']([^"']+)["']""", tag, re.I)
        if url and integrity:
            found[url.group(1)] = integrity.group(1).split()[0]
    return found


def plotted_points(series):
    """How many (x, y) points with a y the flot series list `series` holds."""
    return sum(1 for s in series for point in s.get("data", []) if point and point[1] is not None)


# -- Steps ------------------------------------------------------------------------------


def run(command, what, **kwargs):
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["(no output)"]
        raise Failure(f"{what} exited with status {done.returncode}: {tail[0]}")
    return done


def npm_modules(cache):
    """node_modules under `cache` with every CDN package at its version, installed by
    npm where one is missing."""
    modules = cache / "node_modules"
    missing = []
    for spec, _ in CDN.values():
        name, version = package_name(spec), spec.rsplit("@", 1)[1]
        try:
            installed = json.loads((modules / name / "package.json").read_text())["version"]
        except (OSError, ValueError, KeyError):
            installed = None
        if installed != version:
            missing.append(spec)
    if missing:
        npm = shutil.which("npm")
        if npm is None:
            raise Failure(f"npm is needed once to install {' '.join(missing)} into {cache}, and it is not on PATH")
        cache.mkdir(parents=True, exist_ok=True)
        print(f"npm install {' '.join(missing)} (into {cache})", flush=True)
        run([npm, "install", "--prefix", str(cache), "--no-audit", "--no-fund", "--ignore-scripts", *missing],
            "npm install")
    return modules


def publish():
    print("python -m asv publish", flush=True)
    run([sys.executable, "-m", "asv", "publish"], "asv publish")
    index = HTML_DIR / "index.html"
    if not index.is_file():
        raise Failure(f"asv publish wrote no {index}")
    return index


@contextlib.contextmanager
def serve(folder):
    """http://127.0.0.1:PORT serving `folder`, for the duration of the block."""
    handler = functools.partial(Quiet, directory=str(folder))
    server = Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # a page left mid-transfer is no error


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass  # asv asks for summary graphs of benchmarks without results: 404s are normal


@contextlib.contextmanager
def chromium(executable):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise Failure("the pip package playwright is needed (pip install playwright; no `playwright install`)") from None
    with tempfile.TemporaryDirectory(prefix="optbench-chromium-") as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=executable, headless=True, args=CHROMIUM_FLAGS, viewport=VIEWPORT,
            device_scale_factor=1,
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


class Router:
    """Answers the page's requests: the index without integrity attributes, the CDN's
    files from node_modules, localhost (or file:) as it is, anything else refused and
    remembered."""

    def __init__(self, modules, origin=None, index_html=None):
        self.modules, self.origin, self.index_html = modules, origin, index_html
        self.refused, self.served = [], []

    def __call__(self, route):
        url = route.request.url
        if self.origin and url.split("#")[0].split("?")[0] in (self.origin + "/", self.origin + "/index.html"):
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=self.index_html)
            return
        if url.startswith("file:") or url.startswith("data:") or (self.origin and url.startswith(self.origin + "/")):
            route.continue_()
            return
        path = local_file(url, self.modules)
        if path is None or not path.is_file():
            self.refused.append(url)
            route.abort()
            return
        self.served.append(url)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        route.fulfill(status=200, path=str(path), content_type=kind,
                      headers={"Access-Control-Allow-Origin": "*", "Content-Type": kind})

    def check(self, page):
        if self.refused:
            raise Failure(f"{page} asked for what this script has no local copy of: {', '.join(self.refused)}")


def watch(page, errors):
    page.on("pageerror", lambda error: errors.append(str(error)))


def check_asv_alive(page, errors):
    if page.url.split("#")[0].endswith("error.html") or "failed to load" in page.content():
        raise Failure("asv's page says its JavaScript dependencies failed to load (see the CDN table of docs/screenshots.py)")
    if errors:
        raise Failure(f"the dashboard raised a JavaScript error: {errors[0]}")
    shown = page.evaluate("() => window.jQuery ? jQuery('#error').is(':visible') && jQuery('#error-message').text() : 'no jQuery'")
    if shown:
        raise Failure(f"the dashboard shows an error: {' '.join(str(shown).split())}")


SUMMARY_PLOTS = """() => Array.from(document.querySelectorAll('#summarygrid-display .benchmark-plot')).map(div => {
    const plot = jQuery(div).data('plot');
    return [div.id.replace('summarygrid-', ''), plot ? plot.getData().map(s => ({data: s.data})) : null];
})"""
MAIN_GRAPH = """() => { const plot = window.jQuery && jQuery('#main-graph').data('plot');
    return plot ? plot.getData().map(s => ({label: s.label || '', data: s.data})) : null; }"""


def dashboard(context, modules, out):
    index = publish()
    html = index.read_text()
    missing = uncovered(html)
    if missing:
        raise Failure(f"asv's index.html loads {', '.join(missing)}, which the CDN table of docs/screenshots.py lacks")
    pinned = integrities(html)
    identical = sum(same_bytes(sri, local_file(url, modules).read_bytes()) for url, sri in pinned.items()
                    if local_file(url, modules).is_file())
    with serve(HTML_DIR) as origin:
        router = Router(modules, origin, strip_integrity(html))
        page = context.new_page()
        errors = []
        watch(page, errors)
        page.route("**/*", router)

        # The benchmark grid: asv draws a summary plot when it scrolls into view, so the
        # window is made as tall as the grid and a scroll event sent before the picture.
        page.goto(origin + "/", wait_until="load")
        router.check("the dashboard")
        check_asv_alive(page, errors)
        page.wait_for_function("() => window.jQuery && jQuery('#summarygrid-display .benchmark-plot').length > 0")
        height = page.evaluate("() => document.documentElement.scrollHeight")
        page.set_viewport_size({"width": VIEWPORT["width"], "height": max(VIEWPORT["height"], min(height, 4000))})
        page.evaluate("() => jQuery(window).trigger('scroll')")
        page.wait_for_load_state("networkidle")
        settle(page)
        check_asv_alive(page, errors)
        plots = page.evaluate(SUMMARY_PLOTS)
        drawn = {name: plotted_points(series) for name, series in plots if series is not None}
        with_data = [name for name, n in drawn.items() if n > 0]
        if not with_data:
            raise Failure(f"the benchmark grid drew no plotted point ({len(plots)} benchmarks, {len(drawn)} plots drawn)")
        grid = page.screenshot(full_page=True)

        # One benchmark's graph across commits.
        page.set_viewport_size(VIEWPORT)
        page.evaluate(f"() => {{ window.location.hash = {json.dumps(GRAPH)}; }}")
        page.wait_for_function(f"() => {{ const g = ({MAIN_GRAPH})(); return g && g.length > 0; }}")
        page.wait_for_load_state("networkidle")
        settle(page)
        check_asv_alive(page, errors)
        router.check(f"the graph of {GRAPH}")
        series = page.evaluate(MAIN_GRAPH)
        points = plotted_points(series)
        commits = len({point[0] for s in series for point in s["data"] if point and point[1] is not None})
        if points == 0:
            raise Failure(f"the graph of {GRAPH} has no plotted point ({len(series)} series)")
        graph = page.screenshot()
        page.close()
    save(out / "asv-dashboard.png", grid)
    save(out / "asv-graph.png", graph)
    print(f"dashboard: {len(with_data)} of {len(plots)} benchmarks in the grid have plotted data "
          f"({', '.join(with_data)}); {GRAPH}: {len(series)} lines, {points} points over {commits} commits; "
          f"{len(router.served)} files served from {modules}, {identical} of the {len(pinned)} pinned by asv "
          "byte for byte the CDN's", flush=True)


def settle(page):
    """Two animation frames, so that what flot drew is on screen for the picture."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


SECTION_BOX = """title => {
    const head = Array.from(document.querySelectorAll('h2[id]')).find(h => h.textContent.startsWith(title));
    if (!head) return null;
    const parts = [head];
    for (let e = head.nextElementSibling; e && e.tagName !== 'H2'; e = e.nextElementSibling) parts.push(e);
    const top = head.getBoundingClientRect().top + window.scrollY;
    const last = parts[parts.length - 1].getBoundingClientRect();
    const images = parts.flatMap(e => e.tagName === 'IMG' ? [e] : Array.from(e.querySelectorAll('img')));
    return {id: head.id, top: Math.max(0, top - 8), bottom: last.bottom + window.scrollY + 8,
            failed: parts.some(e => e.classList.contains('failed')) ? parts.find(e => e.classList.contains('failed')).innerText : null,
            images: images.map(i => ({alt: i.alt, complete: i.complete, width: i.naturalWidth}))};
}"""


def history(context, out):
    with tempfile.TemporaryDirectory(prefix="optbench-report-") as folder:
        print(f"python -m optbench report --section {REPORT_SECTION} --out {folder}", flush=True)
        run([sys.executable, "-m", "optbench", "report", "--section", REPORT_SECTION, "--out", folder, "--quiet"],
            "optbench report")
        report = pathlib.Path(folder, "report.html")
        router = Router(modules=None)
        page = context.new_page()
        page.route("**/*", router)
        page.goto(report.resolve().as_uri(), wait_until="load")
        router.check("the report")
        box = page.evaluate(SECTION_BOX, SECTION_TITLE)
        if box is None:
            raise Failure(f"report.html has no section whose title starts with {SECTION_TITLE!r}")
        page.locator(f"#{box['id']}").scroll_into_view_if_needed()
        if box["failed"]:
            raise Failure(f"the report's History section failed: {' '.join(box['failed'].split())}")
        if not box["images"]:
            raise Failure("the report's History section has no figure")
        broken = [i["alt"] for i in box["images"] if not i["complete"] or i["width"] == 0]
        if broken:
            raise Failure(f"the History section's pictures did not load: {', '.join(broken)}")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        shot = page.screenshot(full_page=True, clip={"x": 0, "y": box["top"], "width": width,
                                                     "height": box["bottom"] - box["top"]})
        page.close()
    save(out / "report-history.png", shot)
    print(f"history: {len(box['images'])} figures loaded ({', '.join(i['alt'] for i in box['images'])})", flush=True)


def save(path, png):
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(png)
    os.replace(temporary, path)
    print(f"wrote {path} ({len(png) // 1024} KiB)", flush=True)


def find_chromium(given):
    for candidate in (given, os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise Failure("no Chromium found: apt-get install chromium, or pass --chromium PATH")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("dashboard", "history"), help="one of the two pages")
    parser.add_argument("--chromium", help="the Chromium executable (default: $CHROMIUM or /usr/bin/chromium)")
    parser.add_argument("--cache", type=pathlib.Path, default=CACHE,
                        help="where npm installs asv's JavaScript dependencies (default: %(default)s)")
    parser.add_argument("--out", type=pathlib.Path, default=DOCS, help="folder for the PNGs (default: %(default)s)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    try:
        if not pathlib.Path("asv.conf.json").is_file():
            raise Failure("run it from the repository root (no asv.conf.json here)")
        executable = find_chromium(args.chromium)
        modules = npm_modules(args.cache) if args.only != "history" else None
        with chromium(executable) as context:
            if args.only != "history":
                dashboard(context, modules, args.out)
            if args.only != "dashboard":
                history(context, args.out)
    except Failure as failure:
        print(f"screenshots.py: {failure}", file=sys.stderr)
        return 1
    print(f"done in {time.monotonic() - start:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
