"""Progress on long work: rich bars on a terminal, plain dated lines otherwise (a log, CI).

    progress = Progress()                       # chooses by whether stderr is a terminal
    with progress:
        task = progress.task("convergence", total=24)
        task.advance("adam on rosenbrock")      # one unit done; says what comes next
        task.finish("done")
"""

import sys
import time

PLAIN_EVERY = 5.0  # seconds between plain progress lines within one task


class Progress:
    def __init__(self, stream=None, rich=None, quiet=False):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        if rich is None:
            rich = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._rich = None
        if rich and not quiet:
            try:
                from rich.console import Console
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    SpinnerColumn,
                    TextColumn,
                    TimeElapsedColumn,
                )
                from rich.progress import Progress as RichProgress
            except ImportError:
                pass
            else:
                self._rich = RichProgress(
                    SpinnerColumn(),
                    TextColumn("[bold]{task.fields[section]:<13}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                    TextColumn("{task.description}"),
                    console=Console(file=self.stream),
                )

    def __enter__(self):
        if self._rich is not None:
            self._rich.start()
        return self

    def __exit__(self, *exc):
        if self._rich is not None:
            self._rich.stop()

    def task(self, section, total, description=""):
        return Task(self, section, total, description)

    def print(self, message):
        if self.quiet:
            return
        if self._rich is not None:
            self._rich.console.print(message, markup=False, highlight=False)
        else:
            print(message, file=self.stream, flush=True)


class Task:
    def __init__(self, progress, section, total, description):
        self.progress = progress
        self.section = section
        self.total = max(int(total), 1)
        self.completed = 0
        self.start = self.last_line = time.perf_counter()
        self._id = None
        if progress._rich is not None:
            self._id = progress._rich.add_task(description, total=self.total, section=section)
        else:
            progress.print(f"{section}: started ({self.total} steps){': ' + description if description else ''}")

    def advance(self, description=None, units=1):
        self.completed += units
        rich = self.progress._rich
        if rich is not None:
            rich.update(self._id, advance=units, **({"description": description} if description else {}))
            return
        now = time.perf_counter()
        if now - self.last_line >= PLAIN_EVERY and self.completed < self.total:
            self.last_line = now
            self.progress.print(
                f"{self.section}: {self.completed}/{self.total} after {now - self.start:.0f} s"
                + (f", next: {description}" if description else "")
            )

    def finish(self, message):
        rich = self.progress._rich
        if rich is not None:
            rich.update(self._id, completed=self.total, description=message)
        else:
            self.progress.print(f"{self.section}: {message}")
