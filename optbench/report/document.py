"""The report as a list of blocks, written as Markdown and as one self-contained HTML.

A section fills a `Section` with blocks: `text` (a paragraph; `code spans` and
**bold** are kept), `table`, `code` (preformatted) and `figure` (a matplotlib figure,
kept as PNG bytes). Nothing touches the disk until `write` puts every file in place,
each written to a temporary name in the same folder and then renamed, so a reader never
finds a half-written file. The Markdown links the PNGs under `figures/`; the HTML
embeds them as base64 and stands alone.
"""

import base64
import html
import io
import os
import re
from dataclasses import dataclass, field

from optbench.files import atomic_write, writable

FIGURES = "figures"


class Failed(Exception):
    """Raised by a section whose content is complete but whose verdict is a failure (a
    verification row that fails): the section keeps its blocks and is marked failed."""


@dataclass
class Figure:
    name: str
    title: str
    caption: str
    png: bytes


@dataclass
class Table:
    headers: list
    rows: list
    caption: str = ""


@dataclass
class Text:
    text: str


@dataclass
class Code:
    text: str


@dataclass
class Section:
    """One section of the report; `status` is "ok" or "failed" (then `error` says why)."""

    name: str
    title: str
    blocks: list = field(default_factory=list)
    status: str = "ok"
    error: str = ""
    seconds: float = 0.0
    notes: list = field(default_factory=list)

    def text(self, text):
        self.blocks.append(Text(text))

    def code(self, text):
        self.blocks.append(Code(text))

    def note(self, text):
        """A visible remark that part of the section is missing, and why; not a failure."""
        self.notes.append(text)
        self.blocks.append(Text(f"**Note:** {text}"))

    def table(self, headers, rows, caption=""):
        self.blocks.append(Table(list(headers), [[_cell(v) for v in row] for row in rows], caption))

    def figure(self, fig, name, caption):
        """Keep `fig` as a PNG named `<section>-<name>.png` and close it.

        Refuses a figure without a title or with an unlabelled axis: every figure in
        the report says what it shows and in which units."""
        import matplotlib.pyplot as plt

        try:
            title = check_labels(fig, f"{self.name}-{name}")
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
        finally:
            plt.close(fig)
        self.blocks.append(Figure(f"{self.name}-{name}", title, caption, buffer.getvalue()))

    @property
    def figures(self):
        return [b for b in self.blocks if isinstance(b, Figure)]


def check_labels(fig, name):
    """The figure's title; a ValueError naming what is missing otherwise."""
    suptitle = fig._suptitle.get_text() if fig._suptitle is not None else ""
    titles = [suptitle] + [ax.get_title() for ax in fig.axes]
    if not any(titles):
        raise ValueError(f"figure {name!r} has no title")
    for ax in fig.axes:
        if not ax.get_visible() or ax.get_label() == "<colorbar>":
            continue
        for axis, label in (("x", ax.get_xlabel()), ("y", ax.get_ylabel())):
            if not label:
                raise ValueError(f"figure {name!r}: an axes ({ax.get_title()!r}) has no {axis} label")
    return suptitle or next(t for t in titles if t)


def _cell(value):
    if isinstance(value, float):
        return f"{value:.3g}"
    return "" if value is None else str(value)


# -- Markdown ---------------------------------------------------------------------------


def markdown(title, preamble, sections):
    lines = [f"# {title}", ""]
    for block in preamble:
        lines += _markdown_block(block)
    lines += ["## Contents", ""]
    for s in sections:
        mark = f" ({s.seconds:.0f} s)" if s.status == "ok" else " — **FAILED**"
        lines.append(f"- [{s.title}](#{_anchor(s.title)}){mark}")
    lines.append("")
    for s in sections:
        lines += [f"## {s.title}", ""]
        if s.status != "ok":
            lines += [f"> **Section {s.name!r} failed:** {_md(s.error)}", ""]
        for block in s.blocks:
            lines += _markdown_block(block)
    return "\n".join(lines).rstrip() + "\n"


def _md(text):
    """Text for Markdown: a lone * (as in f*) escaped outside `code`, **bold** kept."""
    parts = re.split(r"(`[^`]*`)", text)
    return "".join(p if p.startswith("`") else re.sub(r"(?<!\*)\*(?!\*)", r"\\*", p) for p in parts)


def _markdown_block(block):
    if isinstance(block, Text):
        return [_md(block.text), ""]
    if isinstance(block, Code):
        return ["```", block.text.rstrip("\n"), "```", ""]
    if isinstance(block, Table):
        lines = ["| " + " | ".join(_md(h) for h in block.headers) + " |", "|" + "---|" * len(block.headers)]
        lines += ["| " + " | ".join(_md(c).replace("|", "\\|") for c in row) + " |" for row in block.rows]
        return lines + ([""] + [f"*{_md(block.caption)}*"] if block.caption else []) + [""]
    if isinstance(block, Figure):
        return [f"![{block.title}]({FIGURES}/{block.name}.png)", "", f"*{_md(block.caption)}*", ""]
    raise TypeError(f"unknown block {block!r}")


def _anchor(title):
    return re.sub(r"[^a-z0-9 -]", "", title.lower()).replace(" ", "-")


# -- HTML -------------------------------------------------------------------------------

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
h1 { border-bottom: 2px solid #ccc; } h2 { border-bottom: 1px solid #ddd; margin-top: 2em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
th { background: #f3f3f3; } tr:nth-child(even) td { background: #fafafa; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption, .caption { color: #555; font-style: italic; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
code { background: #f3f3f3; padding: 0 0.2em; }
.failed { background: #fde8e8; border-left: 4px solid #c00; padding: 0.5em 1em; }
.tag-failed { color: #c00; font-weight: bold; }
"""


def html_page(title, preamble, sections):
    body = [f"<h1>{html.escape(title)}</h1>"]
    for block in preamble:
        body.append(_html_block(block))
    body.append("<h2>Contents</h2><ul>")
    for s in sections:
        mark = f" ({s.seconds:.0f} s)" if s.status == "ok" else ' <span class="tag-failed">FAILED</span>'
        body.append(f'<li><a href="#{_anchor(s.title)}">{html.escape(s.title)}</a>{mark}</li>')
    body.append("</ul>")
    for s in sections:
        body.append(f'<h2 id="{_anchor(s.title)}">{html.escape(s.title)}</h2>')
        if s.status != "ok":
            body.append(f'<p class="failed"><b>Section {html.escape(repr(s.name))} failed:</b> {html.escape(s.error)}</p>')
        body += [_html_block(b) for b in s.blocks]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _inline(text):
    text = html.escape(text, quote=False)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", text)
    return re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r'<a href="\2">\1</a>', text)


def _html_block(block):
    if isinstance(block, Text):
        return f"<p>{_inline(block.text)}</p>"
    if isinstance(block, Code):
        return f"<pre>{html.escape(block.text)}</pre>"
    if isinstance(block, Table):
        head = "".join(f"<th>{_inline(h)}</th>" for h in block.headers)
        rows = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>" for row in block.rows)
        caption = f'<p class="caption">{_inline(block.caption)}</p>' if block.caption else ""
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{caption}"
    if isinstance(block, Figure):
        data = base64.b64encode(block.png).decode("ascii")
        return (
            f'<figure><img alt="{html.escape(block.title)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_inline(block.caption)}</figcaption></figure>"
        )
    raise TypeError(f"unknown block {block!r}")


# -- Files ------------------------------------------------------------------------------


def check_writable(out):
    """None if the report can be written into `out` (and out/figures), else why not."""
    for folder in (out, os.path.join(out, FIGURES)):
        reason = writable(folder)
        if reason:
            return f"cannot write the report to {os.fspath(out)!r}: {reason}"
    return None


def write(out, title, preamble, sections):
    """Write figures, then report.md, then report.html into `out`; returns their paths.

    Figures of a failed section that an earlier run left behind are removed, so that the
    folder holds only what this report shows."""
    figures_dir = os.path.join(out, FIGURES)
    written = []
    for s in sections:
        if s.status != "ok":
            for stale in os.listdir(figures_dir):
                if stale.startswith(f"{s.name}-") and stale.endswith(".png"):
                    os.unlink(os.path.join(figures_dir, stale))
        for figure in s.figures:
            path = os.path.join(figures_dir, f"{figure.name}.png")
            atomic_write(path, figure.png)
            written.append(path)
    for name, render in (("report.md", markdown), ("report.html", html_page)):
        path = os.path.join(out, name)
        atomic_write(path, render(title, preamble, sections))
        written.append(path)
    return written
