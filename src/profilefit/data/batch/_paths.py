"""Checks on the files of a run before anything is written: never touch the input, never mix outputs.

A results file that resolves to the input (``-o in.csv``, ``-o ./x/../in.csv``, a hard
link or a symbolic link to it) would replace the export with the results, and two outputs
that resolve to one file would interleave. Both are refused before a byte is read or
written, as is an output that is a folder or sits in a folder that does not exist.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from profilefit.exceptions import OutputPathError


def _same(first: Path, second: Path) -> bool:
    """Whether two paths name one file: the same resolved path, or (both existing) the same inode."""
    if os.path.realpath(first) == os.path.realpath(second):
        return True
    try:
        return os.path.samefile(first, second)
    except OSError:  # one of them does not exist yet
        return False


def check_outputs(source: Path | None, outputs: Mapping[str, Path]) -> None:
    """Refuse output paths that are the input, each other, a folder, or in a missing folder.

    Parameters
    ----------
    source : Path or None
        The input file, when the input is a file.
    outputs : mapping of str to Path
        What each output is (``"results"``, ``"rejects"``) and where it goes.

    Raises
    ------
    OutputPathError
        Naming the output, the path and what is wrong; nothing has been written.
    """
    named = list(outputs.items())
    for what, path in named:
        if source is not None and _same(path, source):
            raise OutputPathError(
                f"the {what} file {path} is the input {source}: writing it would destroy the export; "
                "choose another name"
            )
        if path.is_dir():
            raise OutputPathError(f"the {what} file {path} is a folder; give a file name")
        if not path.parent.is_dir():
            raise OutputPathError(f"the {what} file {path} cannot be written: folder {path.parent} does not exist")
    for k, (what, path) in enumerate(named):
        for other_what, other in named[k + 1 :]:
            if _same(path, other):
                raise OutputPathError(
                    f"the {what} file and the {other_what} file are the same file ({path}); give them different names"
                )
