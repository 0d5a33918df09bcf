"""``python -m profilefit.data.training reference [--instrument ID] [--out DIR] [--seed N]``.

Trains the reference model on the documented simulation and prints its evaluation. With
``--instrument customer-contact-2.0`` it trains the 2.0 (forced-choice) reference model into
``models/reference-2`` (the default folder for that instrument); without it, the 1.2 model into
``models/reference``, as ``profilefit train`` does. Run from the repository's top folder. See docs/model.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from profilefit.core.instrument import load_instrument
from profilefit.data.training._train import REFERENCE_SEED, train_reference


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m profilefit.data.training", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    reference = commands.add_parser("reference", help="train the reference model on the documented simulation")
    reference.add_argument("--instrument", help="a built-in instrument id, e.g. customer-contact-2.0 (default: 1.2)")
    reference.add_argument("--out", type=Path, help="output folder (default: models/reference or models/reference-2)")
    reference.add_argument("--seed", type=int, default=REFERENCE_SEED)
    reference.add_argument("--n-train", type=int, default=60_000)
    reference.add_argument("--n-test", type=int, default=20_000)
    reference.add_argument("--card", type=Path, help="model card path (default: the output folder's model-card.md)")
    args = parser.parse_args(argv)
    try:
        instrument = load_instrument(args.instrument) if args.instrument else load_instrument()
    except (OSError, ValueError, KeyError) as error:
        print(f"error: --instrument {args.instrument!r}: {error}", file=sys.stderr)
        return 2
    default = Path("models") / ("reference-2" if instrument.format == "forced_choice" else "reference")
    report = train_reference(
        args.out or default,
        seed=args.seed,
        n_train=args.n_train,
        n_test=args.n_test,
        card_path=args.card,
        instrument=instrument,
    )
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
