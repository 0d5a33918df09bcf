"""``profilefit calibrate``: Thurstonian parameters of a forced-choice instrument from an organisation's own applicants.

The command reads an export as every other command does (one reader, one rule: rejects reported as
``norms`` reports them), fits the Thurstonian IRT model to the block answers with
:func:`profilefit.core.thurstonian.calibrate`, checks what it got, and writes a parameters file that
``score --parameters`` scores with. It refuses, with :data:`EXIT_CALIBRATION_REFUSED` and nothing
written, an agreement instrument, fewer than :data:`MIN_PEOPLE` people, an optimiser that did not
converge, and statements whose loading came out against their keying. See docs/thurstonian.md.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from profilefit._version import installed_version
from profilefit.apps.cli._exit import EXIT_CALIBRATION_REFUSED, EXIT_OK, EXIT_REJECTS, EXIT_USAGE
from profilefit.apps.cli._inputs import (
    ENCODING_HELP,
    EXPORT_HELP,
    add_layout_options,
    export_path,
    layout_of,
    read_export,
)
from profilefit.apps.cli._outputs import refused_outputs, write_outputs
from profilefit.core.instrument import Instrument, load_instrument
from profilefit.core.validity import careless_answers

if TYPE_CHECKING:
    from profilefit.core.thurstonian import Calibration, ThurstonianModel

#: Fewest people (with at least one answered block) the command calibrates on. On the 24 blocks and 8
#: scales of instrument 2.0, samples of 1,000 to 2,000 simulated people gave, in two of five, a
#: near-Heywood statement and block loadings far from the generating ones; :data:`HEYWOOD_LOADING`
#: warns of those. 3,000 or more is the advice (docs/thurstonian.md, "Calibrating on your own applicants").
MIN_PEOPLE = 2_000

#: Fewest people who answered each block. Below it a block's comparisons rest on few pairs of people (a
#: block's column left out of the export, rows mostly blank); with the shipped parameters, samples of
#: 1,000 to 1,500 people recovered the loadings (r .985-.994 with the generating ones) but not yet the
#: trait correlations (errors up to .12), so three quarters of :data:`MIN_PEOPLE`.
MIN_BLOCK_ANSWERS = 1_500

#: A standardised loading above this is a (near) Heywood case: the statement's error variance went to
#: about zero. On the 2.0 design it came with block loadings far from the truth in identified form
#: (docs/thurstonian.md); the shipped parameters stay below 0.95.
HEYWOOD_LOADING = 0.99

_COMMAND = "calibrate"


def register(subparsers: Any) -> None:
    """Add the ``calibrate`` sub-command."""
    parser = subparsers.add_parser(
        "calibrate",
        help="estimate a forced-choice instrument's Thurstonian parameters from your applicants' answers",
        description="Read an export of a forced-choice instrument's answers (no labels needed), estimate the "
        "statements' utilities, loadings and uniquenesses and the scales' correlations (Thurstonian IRT, "
        "least squares on tetrachoric correlations), and write them as a parameters file for "
        "`profilefit score --parameters`. Exit codes: 0 written; 1 written, and some rows were rejected; "
        f"2 usage error or unreadable input; {int(EXIT_CALIBRATION_REFUSED)} calibration refused, nothing "
        f"written: an agreement instrument (1.x), fewer than {MIN_PEOPLE:,} people with answered blocks, an "
        "optimiser that did not converge, or statements whose loading came out against their keying. "
        "See docs/thurstonian.md.",
    )
    parser.add_argument("export", help=EXPORT_HELP + ", of the applicants to calibrate on")
    parser.add_argument(
        "--instrument",
        required=True,
        help="the forced-choice instrument the export answers: customer-contact-2.0 or an instrument file",
    )
    parser.add_argument("--out", required=True, metavar="PARAMS.json", help="where to write the parameters file")
    parser.add_argument("--encoding", metavar="NAME", help=ENCODING_HELP)
    add_layout_options(parser)
    parser.add_argument(
        "--keep-careless",
        action="store_true",
        help="calibrate on every valid row; by default rows that straight-line, answer an attention check other "
        "than as asked, or finish too fast are left out (careless answers would be learnt as the statements' "
        "parameters)",
    )
    parser.add_argument(
        "--max-evaluations",
        type=_positive,
        metavar="N",
        help="stop the optimiser after N evaluations of the model (default: scipy's, 100 per parameter); "
        f"one that stops before converging is refused (exit {int(EXIT_CALIBRATION_REFUSED)})",
    )
    parser.add_argument(
        "--person-fit-false-alarm",
        type=_share,
        default=None,
        metavar="SHARE",
        help="the share of applicants answering as the calibrated parameters say whose marks may be flagged as "
        "following no pattern (contradictory); the line is set for the new parameters by simulating 50,000 "
        "of them (default: 0.018, the share the shipped line flags under the shipped parameters)",
    )
    parser.set_defaults(func=run_calibrate)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _share(text: str) -> float:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number from 0.001 to below 0.5, got {text!r}") from None
    if not 0.001 <= value < 0.5:  # below 0.001, 50 of the 50,000 simulated: too few to place a line
        raise argparse.ArgumentTypeError(f"must be from 0.001 to below 0.5, got {text}")
    return value


def run_calibrate(args: argparse.Namespace) -> int:
    """Calibrate on ``args.export`` and write ``args.out``; print the summary; return the exit code."""
    instrument_file = args.instrument if Path(args.instrument).exists() else None  # else a built-in name
    instrument = load_instrument(args.instrument)
    source = export_path(args.export, instrument=instrument)
    # The parameters beside the instrument file are read, to compare with: never written over (a trial wrote
    # the new figures over them and was told nothing had changed).
    baseline = _beside(instrument_file) if instrument_file is not None else None
    inputs = (source, instrument_file, baseline if baseline is not None and baseline.is_file() else None)
    if refused_outputs(_COMMAND, args, inputs=inputs, outputs=("out",)):
        return EXIT_USAGE
    if instrument.format != "forced_choice":
        return _refuse(
            f"instrument {instrument.id} {instrument.version} is answered on an agreement scale, as every "
            "version 1.x is: its scale scores are means of keyed answers, so it has no item parameters to "
            "estimate. Calibration is for a "
            "forced-choice instrument (--instrument customer-contact-2.0 or a forced-choice file); for local "
            "percentiles of an agreement instrument, build norms with `profilefit norms EXPORT --name NAME "
            "--out FILE`"
        )
    # A person counted twice would be two people to the tetrachoric correlations: later rows of an id are rejected.
    collected = read_export(
        args.export, instrument, command=_COMMAND, encoding=args.encoding, layout=layout_of(args), first_id_only=True
    )
    responses = collected.responses
    print(
        f"{collected.source}: {collected.rows_read:,} rows read, {len(responses):,} valid, "
        f"{collected.rows_rejected:,} rejected",
        end="",
    )
    if not args.keep_careless:
        careless = careless_answers(responses)
        left_out = careless.any
        if left_out.any():
            counts = (careless.straight_lining.sum(), (careless.wrong_checks > 0).sum(), careless.too_fast.sum())
            print(
                f"; {int(left_out.sum()):,} careless left out (straight_lining {int(counts[0]):,}, "
                f"failed_attention_check {int(counts[1]):,}, too_fast {int(counts[2]):,}; --keep-careless "
                "keeps them)",
                end="",
            )
            responses = responses.take(np.flatnonzero(~left_out))
    positions = responses.block_positions()
    answered = (positions >= 0).any(axis=(1, 2))
    n_people = int(answered.sum())
    print(f"; {n_people:,} people answered at least one block")
    if n_people < MIN_PEOPLE:
        return _refuse(
            f"{n_people:,} people answered at least one block; calibration needs at least {MIN_PEOPLE:,} "
            f"for stable loadings on {len(instrument.blocks)} blocks (docs/thurstonian.md). Collect more "
            "answers, or keep scoring with the shipped parameters"
        )
    thin = thin_blocks(instrument.block_ids, responses.blocks)
    if thin:
        return _refuse(
            f"{len(thin)} block(s) cannot be estimated: {'; '.join(thin)}. Every block needs at least "
            f"{MIN_BLOCK_ANSWERS:,} people who answered it, and not all with the same answer. Was a column left "
            "out of the export, or filled in by a formula? Collect more answers, or keep scoring with the "
            "shipped parameters"
        )
    print(
        f"profilefit {_COMMAND}: fitting {len(instrument.statements)} statements in {len(instrument.blocks)} "
        f"blocks to {n_people:,} people",
        file=sys.stderr,
    )
    # Imported here: scipy and threadpoolctl cost start-up time every other command would pay.
    from threadpoolctl import threadpool_limits

    from profilefit.core.thurstonian import PERSON_FIT_FALSE_ALARM, ThurstonianParameters, calibrate, person_fit_line

    design = instrument.forced_choice_design()
    # One BLAS thread: the fit is thousands of small (72 x 72) products, and on a busy 2-core machine
    # OpenBLAS's spinning threads made it 20 times slower (55 s against 3.7 s on 3,000 people).
    with threadpool_limits(limits=1, user_api="blas"):
        calibration = calibrate(design, positions[answered], max_nfev=args.max_evaluations)
    if not calibration.success:
        return _refuse(
            f"the optimiser did not converge ({calibration.message}); the parameters would not be "
            "trustworthy. Check that the export holds this instrument's answers, or collect more people"
        )
    against = against_keying(calibration.model)
    if against:
        listed = "; ".join(against)
        return _refuse(
            f"{len(against)} statement(s) came out with a loading against their keying: {listed}. Check "
            "the statements' keying (reverse) in the instrument file and their wording; do not score with "
            "these parameters"
        )
    # The person-fit line of these parameters: with weaker loadings than the simulation's, attentive applicants'
    # marks are explained less well, and the reference line would flag many of them (docs/thurstonian.md).
    false_alarm = PERSON_FIT_FALSE_ALARM if args.person_fit_false_alarm is None else args.person_fit_false_alarm
    with threadpool_limits(limits=1, user_api="blas"):
        line = person_fit_line(calibration.model, false_alarm=false_alarm)
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    parameters = ThurstonianParameters.from_model(
        calibration.model.with_person_fit_line(line.line),
        instrument=instrument.id,
        instrument_version=instrument.version,
        source="calibration",
        n_people=calibration.n_people,
        rmsr=calibration.rmsr,
        note=f"calibrated by profilefit {installed_version()} on {calibration.n_people:,} people of "
        f"{Path(collected.source).name} on {when} (UTC)",
    )
    reference = _shipped_model(instrument, args.instrument)  # read before anything is written
    code = write_outputs(_COMMAND, args, {"out": parameters.save})
    if code != EXIT_OK:
        return code
    for text in summary_lines(calibration, reference):
        print(text)
    print(
        f"person-fit line      {line.line:.4f}: marks below it are flagged contradictory (answers following no "
        f"pattern); of {line.n_people:,} applicants simulated from these parameters, {line.false_alarm:.1%} "
        f"answering as the parameters say and {line.random_flagged:.1%} marking at random fall below it"
    )
    for statement in near_heywood(calibration.model):
        print(
            f"profilefit {_COMMAND}: warning: {statement} has a standardised loading above {HEYWOOD_LOADING}: "
            "its error variance went to about zero (a Heywood case), so its block's loadings are poorly "
            "determined; calibrate on more people, or check the statement, before scoring with this file",
            file=sys.stderr,
        )
    print(f"score with them: profilefit score EXPORT -o RESULTS --model MODEL --parameters {args.out}")
    return EXIT_REJECTS if collected.rejects else EXIT_OK


def thin_blocks(block_ids: tuple[str, ...], blocks: NDArray[np.int8], *, minimum: int = MIN_BLOCK_ANSWERS) -> list[str]:
    """The blocks a calibration cannot estimate, each with why.

    A block answered by fewer than ``minimum`` people (``"b07: answered by 0"``), or given one and the same
    answer by everyone who answered it (``"b05: everyone who answered it answered ab"``), which says nothing
    about its statements.
    """
    from profilefit.core.instrument import BLOCK_ANSWERS

    found = []
    for k, block in enumerate(block_ids):
        column = blocks[:, k]
        given = column[column >= 0]
        if given.size < minimum:
            found.append(f"{block}: answered by {given.size:,}")
        elif (given == given[0]).all():
            found.append(f"{block}: everyone who answered it answered {BLOCK_ANSWERS[int(given[0])]}")
    return found


def _refuse(message: str) -> int:
    print(f"profilefit {_COMMAND}: refused, nothing written: {message}", file=sys.stderr)
    return EXIT_CALIBRATION_REFUSED


def against_keying(model: ThurstonianModel) -> list[str]:
    """Statements whose loading's sign is opposite their keying, as ``"id (scale, keyed +, loading -0.31)"``.

    A loading of exactly zero counts as against its keying: the statement measures nothing.
    """
    found = []
    for statement, loading in zip(model.design.statements, model.loading, strict=True):
        if loading * statement.keyed <= 0:
            keyed = "+" if statement.keyed > 0 else "-"
            found.append(f"{statement.id} ({statement.trait}, keyed {keyed}, loading {loading:+.2f})")
    return found


def near_heywood(model: ThurstonianModel, *, limit: float = HEYWOOD_LOADING) -> list[str]:
    """Statements whose standardised loading exceeds ``limit`` in absolute value, as ``"id (scale, 0.997)"``."""
    loading = standardised_loadings(model)
    return [
        f"{statement.id} ({statement.trait}, {abs(value):.3f})"
        for statement, value in zip(model.design.statements, loading, strict=True)
        if abs(value) > limit
    ]


def _shipped_model(instrument: Instrument, source: str) -> ThurstonianModel | None:
    """The parameters the instrument comes with: ``NAME.parameters.json`` beside its file, or the built-in ones."""
    from profilefit.core.scoring import load_parameters
    from profilefit.exceptions import ParametersError

    path = Path(source)
    beside = _beside(path)
    try:
        return load_parameters(instrument, beside if path.is_file() and beside.is_file() else None)
    except ParametersError:  # not built in, or a file that does not fit: nothing to compare with
        return None


def _beside(instrument_file: str | Path) -> Path:
    """``NAME.parameters.json`` beside an instrument file ``NAME.json``: the parameters it is scored with."""
    from profilefit.core.scoring import PARAMETERS_SUFFIX

    path = Path(instrument_file)
    return path.with_name(path.name.removesuffix(path.suffix) + PARAMETERS_SUFFIX)


@dataclass(frozen=True)
class _Change:
    what: str
    before: float
    after: float

    def __str__(self) -> str:
        return f"{self.what} {self.before:+.2f} -> {self.after:+.2f} ({self.after - self.before:+.2f})"


def standardised_loadings(model: ThurstonianModel) -> NDArray[np.float64]:
    """``lambda / sqrt(lambda^2 + psi^2)``: each loading as a correlation of the statement's utility with its trait.

    Unlike the loadings in the file (identified form, each block's first statement at ``psi^2 = 1``),
    these do not depend on how a block is scaled, so they compare across blocks and with the shipped file.
    """
    standardised: NDArray[np.float64] = model.loading / np.sqrt(model.loading**2 + model.uniqueness)
    return standardised


def summary_lines(calibration: Calibration, reference: ThurstonianModel | None) -> list[str]:
    """What ``calibrate`` prints: people, RMSR, loadings and correlation ranges, the largest changes.

    Loadings are standardised (:func:`standardised_loadings`), here and in the comparison with ``reference``.
    """
    model = calibration.model
    traits = model.design.traits
    upper = np.triu_indices(len(traits), 1)
    loading = standardised_loadings(model)
    size = np.abs(loading)
    lines = [
        f"people used          {calibration.n_people:,}",
        f"RMSR                 {calibration.rmsr:.4f} (tetrachoric against model-implied correlations)",
        f"loadings             {size.min():.2f} to {size.max():.2f} in absolute value, median "
        f"{np.median(size):.2f} (standardised: lambda / sqrt(lambda^2 + psi^2))",
    ]
    if len(traits) > 1:
        values = model.trait_correlation[upper]
        lines.append(f"trait correlations   {values.min():+.2f} to {values.max():+.2f}")
    if reference is None:
        lines.append("largest change       no shipped parameters to compare with")
        return lines
    before = standardised_loadings(reference)
    ids = [statement.id for statement in model.design.statements]
    k = int(np.argmax(np.abs(loading - before)))
    change = _Change(f"loading of {ids[k]}", float(before[k]), float(loading[k]))
    lines.append(f"largest change       {change} from the shipped parameters")
    if len(traits) > 1:
        difference = np.abs(model.trait_correlation - reference.trait_correlation)[upper]
        j = int(np.argmax(difference))
        a, b = upper[0][j], upper[1][j]
        correlation = _Change(
            f"correlation {traits[a]}-{traits[b]}",
            float(reference.trait_correlation[a, b]),
            float(model.trait_correlation[a, b]),
        )
        lines.append(f"                     {correlation}")
    return lines
