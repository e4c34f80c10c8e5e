"""``python -m tppo_graph`` runs the CLI."""

from .cli import run

run()
