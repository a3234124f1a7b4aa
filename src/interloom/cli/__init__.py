"""The ``interloom`` command line (Typer + Rich)."""
