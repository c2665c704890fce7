"""The command line: the only package that knows click.  Commands are thin:
they parse options, call plain functions and print the result.

One module per family of commands; importing them registers them on `main`.
"""

from . import export, intake, items, network, office, outcomes, overview, publish, remind, reports, reviews, roster, similar, upstream  # noqa: F401 - registers the commands
from .base import main

__all__ = ["main"]
