"""The exit codes of the ``profilefit`` command, in one place (docs/batch.md lists them too).

A pipeline can act on them: 1 means a normal day with some rows for a person to look at; 5 means
the feed itself is broken; 2 means the request cannot be carried out as given.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What a ``profilefit`` run ended with."""

    #: Done; every row was scored.
    OK = 0
    #: The input was read but some rows were rejected, or a check failed (the command says which).
    REJECTS = 1
    #: A usage error, unreadable input, or a missing optional extra (the message names it and how to install it).
    USAGE = 2
    #: The model file was refused (checksum, or a format this version does not read).
    MODEL_REFUSED = 3
    #: An internal error: a bug in profilefit (one line; the traceback with ``--debug``).
    INTERNAL = 4
    #: ``score`` read the input and scored nothing (every row rejected, or no rows): a broken feed.
    NOTHING_SCORED = 5
    #: ``calibrate`` refused to estimate parameters (an agreement instrument, too few people, no
    #: convergence, loadings against their keying); the message says which. Nothing is written.
    CALIBRATION_REFUSED = 6
    #: Interrupted (Ctrl-C): 128 + SIGINT, as shells report it. No partial output is left.
    INTERRUPTED = 130
    #: Stopped by SIGHUP (the terminal or SSH session closed): 128 + SIGHUP. No partial output is left.
    HUNG_UP = 129
    #: Stopped by SIGTERM: 128 + SIGTERM. No partial output is left.
    TERMINATED = 143


EXIT_OK = ExitCode.OK
EXIT_REJECTS = ExitCode.REJECTS
EXIT_USAGE = ExitCode.USAGE
EXIT_MODEL_REFUSED = ExitCode.MODEL_REFUSED
EXIT_INTERNAL = ExitCode.INTERNAL
EXIT_NOTHING_SCORED = ExitCode.NOTHING_SCORED
EXIT_CALIBRATION_REFUSED = ExitCode.CALIBRATION_REFUSED
EXIT_INTERRUPTED = ExitCode.INTERRUPTED
EXIT_TERMINATED = ExitCode.TERMINATED
EXIT_HUNG_UP = ExitCode.HUNG_UP
