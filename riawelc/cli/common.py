"""What the commands share: a bad input is one error line and exit code 2; long loops show a progress bar."""

import inspect
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer

BAD_INPUT = 2  # the exit code of a bad input, as argparse and click give it for a bad flag


def fail(message: str, code: int = BAD_INPUT) -> NoReturn:
    """Print one error line on stderr and leave with `code` (no traceback)."""
    typer.echo(message, err=True)
    raise typer.Exit(code)


def help_text(command: Callable) -> str:
    """`command`'s docstring as Typer's rich help shows it well: each paragraph on one line (the terminal wraps
    it), rich markup escaped (so that `riawelc[service]` keeps its brackets)."""
    from rich.markup import escape

    paragraphs = inspect.cleandoc(command.__doc__ or "").split("\n\n")
    return "\n\n".join(escape(" ".join(line.strip() for line in p.splitlines())) for p in paragraphs)


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int, str], None]]:
    """A `progress(done, total, item)` callback for the library's loops, drawing a rich progress bar.

    The bar is drawn only when stdout and stderr are both a terminal, and it goes away when the loop ends, so the
    printed lines are the same as without it (and nothing is added to a log file or a pipe). While it is drawn,
    the loop's own prints are shown above it."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console()
    shown = console.is_terminal and sys.stderr.isatty()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn(), TextColumn("{task.fields[item]}"))
    with Progress(*columns, console=console, disable=not shown, transient=True) as bar:
        task = bar.add_task(description, total=None, item="")

        def progress(done: int, total: int, item: str = "") -> None:
            bar.update(task, completed=done, total=total, item=item)

        yield progress
