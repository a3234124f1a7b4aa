"""``python -m interloom``: the same as the ``interloom`` command."""

from interloom.cli.main import run

run()
