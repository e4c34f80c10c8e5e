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

__all__ = ["debug", "notice", "verbose"]

LOGGER = "tppo_graph"


def debug(message: str, *args: object) -> None:
    """Log ``message % args`` at DEBUG level, if logging is in use in this process."""
    logging = sys.modules.get("logging")
    if logging is not None:
        logging.getLogger(LOGGER).debug(message, *args)


def notice(message: str) -> None:
    """Tell the user, on one line of standard error, something they should know that is not an error (a damaged
    cache rebuilt, a cache that cannot be used); logged too, if logging is in use."""
    sys.stderr.write(f"tppo-graph: note: {' '.join(message.split())}\n")
    debug("note: %s", message)


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
