"""Read an instrument as an item writer would, before anyone answers it.

    python examples/review_instrument.py                                         # the shipped instrument
    python examples/review_instrument.py examples/data/custom_instrument.toml    # your own file
    python examples/review_instrument.py my_instrument.json --lang nb            # show texts in Norwegian

Prints the stated length, the items of each scale with their keying, the profile behind each
scenario option, and the text checks: items of different scales that read alike, texts over the
word limits, texts pasted in untranslated. Exit code 1 when a check finds something.
What only real answers can show (item-total correlations, DIF) is in docs/instrument.md.
"""

from __future__ import annotations

import argparse
import sys

from profilefit.core.instrument import (
    WordLimits,
    load_instrument,
    near_duplicate_items,
    over_word_limits,
    untranslated_texts,
    word_count,
)


def main() -> int:
    parser = argparse.ArgumentParser(description="Text checks of an instrument, before it is used.")
    parser.add_argument("instrument", nargs="?", help="a .json or .toml instrument file (default: the shipped one)")
    parser.add_argument("--lang", help="language of the texts shown (default: the instrument's first)")
    args = parser.parse_args()
    instrument = load_instrument(args.instrument)
    lang = args.lang or instrument.languages[0]
    if lang not in instrument.languages:
        parser.error(f"--lang {lang!r}: the instrument has {', '.join(instrument.languages)}")

    print(f"{instrument.id} {instrument.version}: {instrument.length_text()}")
    for scale in instrument.scales:
        print(f"\n{scale.name[lang]} ({scale.id})")
        for item in instrument.items_of(scale.id):
            keying = "reverse" if item.reverse else "forward"
            print(f"  {item.id:<6} {keying:<8} {word_count(item.text[lang]):>2} words  {item.text[lang]}")
    for scenario in instrument.scenarios:
        print(f"\n{scenario.id}: {scenario.text[lang]}")
        for option in scenario.options:
            print(f"  {option.id} ({option.key}) {option.text[lang]}")

    problems = [str(pair) for pair in near_duplicate_items(instrument)]
    problems += over_word_limits(instrument, WordLimits()) + untranslated_texts(instrument)
    print(f"\ntext checks: {len(problems)} finding(s)")
    for problem in problems:
        print(f"  {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
