"""`python -m riawelc ...`: the `riawelc` command (riawelc.cli)."""

from riawelc.cli import main

main()
