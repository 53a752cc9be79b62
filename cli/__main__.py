"""`python -m cli` is the `remit` command."""

from cli.main import main

main()
