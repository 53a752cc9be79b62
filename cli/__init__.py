"""The `remit` command (DESIGN.md §6): one Typer app per command group, composed by cli/main.py.
Thin: parse arguments, call a service, print."""
