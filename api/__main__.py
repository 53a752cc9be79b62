"""`python -m api` still runs the `remit` command (cli/main.py): the benchmarks call it so.
The command is `remit`, or `python -m cli`."""

from cli.main import main

main()
