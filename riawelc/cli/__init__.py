"""The `riawelc` command (Typer): one subcommand per job, each a thin layer over the library, which parses no
arguments itself. Bad input is one error line on stderr and exit code 2, without a traceback.

    riawelc films      GDXray/BAM films -> a labelled patch tree          (riawelc.films.tree)
    riawelc composite  synthetic defects drawn onto a patch tree's windows (riawelc.synth.composite)
    riawelc inspect    whole-film inspection of a folder of films          (riawelc.inspect.film)
    riawelc inspect-batch  many films into one results table, resumable, on Ray too (riawelc.batch)
    riawelc quantize   int8 copies of the exported models                  (riawelc.deploy.quantize)
    riawelc serve      the HTTP service on uvicorn                         (serve.app)

Also `python -m riawelc ...`. What a command needs beyond numpy and OpenCV (scikit-learn, ONNX Runtime, uvicorn)
is imported when it runs, so `--help` is quick.
"""

from typing import Annotated

import typer

import riawelc
from riawelc.cli import batch, composite, films, inspection, quantize, service
from riawelc.cli.common import help_text

__all__ = ["app", "main"]

app = typer.Typer(
    name="riawelc",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # a traceback must never print settings such as an API key
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(shown: bool) -> None:
    if shown:
        print(f"riawelc {riawelc.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool | None, typer.Option(
        "--version", callback=_version, is_eager=True, help="print the version and exit")] = None,
) -> None:
    """Weld-radiograph inspection: real films to patch trees, drawn defects, whole-film inspection, int8 models
    and the HTTP service.

    `riawelc COMMAND --help` tells what a command does and its options."""


COMMANDS = {"films": films.films, "composite": composite.composite, "inspect": inspection.inspect_films,
            "inspect-batch": batch.inspect_batch, "quantize": quantize.quantize, "serve": service.serve}  # (the modules stay riawelc.cli.<module>)
for name, command in COMMANDS.items():
    app.command(name, help=help_text(command))(command)


def main() -> None:
    """`python -m riawelc`: the same command under the same name."""
    app(prog_name="riawelc")
