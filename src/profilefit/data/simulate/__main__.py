"""``python -m profilefit.data.simulate {parameters,norms} [--instrument FILE] [--out FILE]``.

``parameters`` writes the simulation's Thurstonian parameters of a forced-choice instrument file (by
default the shipped 2.0 instrument, next to it as ``customer_contact_2.parameters.json``); ``norms``
writes a norm group of honest simulated applicants scored with them (``customer_contact_2.norms.json``).
See docs/simulation.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from profilefit.data.simulate._parameters_file import write_norms, write_parameters


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m profilefit.data.simulate", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    write = commands.add_parser("parameters", help="write the simulation's parameters of a forced-choice instrument")
    write.add_argument("--instrument", type=Path, help="instrument file (default: the shipped 2.0 instrument)")
    write.add_argument("--out", type=Path, help="output file (default: next to the instrument, .parameters.json)")
    norms = commands.add_parser("norms", help="write a norm group of honest simulated applicants on that instrument")
    norms.add_argument("--instrument", type=Path, help="instrument file (default: the shipped 2.0 instrument)")
    norms.add_argument("--out", type=Path, help="output file (default: next to the instrument, .norms.json)")
    args = parser.parse_args(argv)
    writer = write_parameters if args.command == "parameters" else write_norms
    try:
        target = writer(args.instrument, args.out)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
