"""Diagnostics for ``--verbose`` and for Python users who configure :mod:`logging` (logger ``tppo_graph``).

The standard logging module is not imported here: it costs about a tenth of a cached query's start-up, and a
program that never imported it cannot be listening. Once anyone has imported it (``--verbose`` does), every
message goes to ``logging.getLogger("tppo_graph")``. Messages never carry a credential: URLs are shown with
:func:`tppo_graph.transport.safe_url`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["debug", "verbose"]

LOGGER = "tppo_graph"


def debug(message: str, *args: object) -> None:
    """Log ``message % args`` at DEBUG level, if logging is in use in this process."""
    logging = sys.modules.get("logging")
    if logging is not None:
        logging.getLogger(LOGGER).debug(message, *args)


@contextmanager
def verbose() -> Iterator[None]:
    """Within the block, send the toolkit's DEBUG messages to standard error (what ``--verbose`` does)."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("tppo-graph: %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger(LOGGER)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
