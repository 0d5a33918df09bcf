"""The ``model`` sub-command: ``model info`` (what a model file is and what wrote it) and ``model convert``."""

from __future__ import annotations

import argparse
from typing import Any

from profilefit.apps.cli._errors import notes_to_stderr
from profilefit.apps.cli._exit import EXIT_OK
from profilefit.core.artifact import MODEL_SUFFIX, convert_artifact, describe_artifact


def register(subparsers: Any) -> None:
    """Add this module's sub-commands."""
    model = subparsers.add_parser("model", help="inspect a model file, or re-save a legacy one in the current format")
    actions = model.add_subparsers(dest="model_command", metavar="ACTION", required=True)

    info = actions.add_parser(
        "info", help="the model file's format, what it was trained on, and the versions that wrote it"
    )
    info.add_argument("path", nargs="?", help=f"a model file ({MODEL_SUFFIX}) with its manifest; default: reference")
    info.set_defaults(func=run_info)

    convert = actions.add_parser(
        "convert",
        help=f"re-save a model (a legacy .joblib one) as a pickle-free {MODEL_SUFFIX} file with its manifest",
        description="The source is checked against its manifest; a legacy file's estimator pickle is never "
        "unpickled (its numpy arrays are), so convert only files you trust. The new model predicts exactly "
        "as the old one did.",
    )
    convert.add_argument("source", help="the model file to convert (NAME.joblib), with its manifest beside it")
    convert.add_argument("--out", required=True, help=f"the new model file, ending with {MODEL_SUFFIX}")
    convert.set_defaults(func=run_convert)


def run_info(args: argparse.Namespace) -> int:
    """Print what a model file is and what wrote it."""
    with notes_to_stderr("model info"):  # a legacy .joblib model: the note says how to convert it
        print(describe_artifact(args.path))
    return EXIT_OK


def run_convert(args: argparse.Namespace) -> int:
    """Convert a model file and say where the new one is."""
    if not str(args.out).endswith(MODEL_SUFFIX):
        raise ValueError(f"--out {args.out}: a model file's name ends with {MODEL_SUFFIX}")
    manifest = convert_artifact(args.source, args.out)
    print(f"model    {args.out}\nmanifest sha256 {manifest.sha256}")
    return EXIT_OK
