"""`python -m api` is the `remit` command."""

from api.cli import main

main()
