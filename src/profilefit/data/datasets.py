"""Bundled sample data: small assessment exports (1.2 and 2.0) and a labelled set, all simulated.

The 1.2 files are written by :func:`write_bundled_data`, the 2.0 export by :func:`write_sample_export_2`,
from fixed seeds; tests regenerate them and compare, so the committed copies never drift from the code.
From a checkout, ``python -m profilefit.data.datasets bundled`` rewrites the 1.2 files and
``python -m profilefit.data.datasets sample-2`` the 2.0 export, in the package's data folder (``--out DIR``
writes elsewhere).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from importlib import resources
from pathlib import Path

import numpy as np

from profilefit.core.instrument import Instrument, load_instrument
from profilefit.core.scoring import NO_ANSWER, NormGroup, Responses, score_responses
from profilefit.data.simulate import SimulationConfig, simulate, simulate_forced_choice

SAMPLE_EXPORT = "sample_export.csv"
#: The 2.0 sample export: the same 400 simulated people as :data:`SAMPLE_EXPORT`, answering instrument 2.0.
SAMPLE_EXPORT_2 = "sample_export_2.csv"
#: The built-in instrument the 2.0 sample answers.
SAMPLE_2_INSTRUMENT = "customer-contact-2.0"
SAMPLE_LABELLED = "sample_labelled.csv"
BUNDLED_NORMS = "norms_customer_contact.json"
SAMPLE_SEED = 4242
LABELLED_SEED = 4343
NORMS_SEED = 4444


def _data_path(name: str) -> Path:
    return Path(str(resources.files("profilefit").joinpath("data", name)))


def sample_export_path(instrument: Instrument | None = None) -> Path:
    """The bundled export: 400 simulated candidates, as Excel writes CSV in Oslo (see :func:`export_csv`).

    With the built-in forced-choice instrument 2.0 (``load_instrument("customer-contact-2.0")``), the 2.0
    sample (:data:`SAMPLE_EXPORT_2`): the same simulated people, ids and demographics, answering 2.0's
    blocks. Any other instrument, or none, gives the 1.2 sample.

    Examples
    --------
    >>> from profilefit.core.instrument import load_instrument
    >>> sample_export_path().name, sample_export_path(load_instrument("customer-contact-2.0")).name
    ('sample_export.csv', 'sample_export_2.csv')
    """
    if instrument is not None and _is_instrument_2(instrument):
        return _data_path(SAMPLE_EXPORT_2)
    return _data_path(SAMPLE_EXPORT)


def _is_instrument_2(instrument: Instrument) -> bool:
    shipped = load_instrument(SAMPLE_2_INSTRUMENT)
    return (instrument.id, instrument.version, instrument.format) == (shipped.id, shipped.version, shipped.format)


def sample_labelled_path() -> Path:
    """The bundled labelled set: 1,500 simulated candidates with a ``profile`` column, for retraining examples."""
    return _data_path(SAMPLE_LABELLED)


def export_columns(instrument: Instrument) -> list[str]:
    """Column order of an export: id, completion time, items (1.x) or blocks (2.0), scenarios, attention checks."""
    return [
        "candidate_id",
        "completion_seconds",
        *instrument.item_ids,
        *instrument.block_ids,
        *instrument.scenario_ids,
        *instrument.check_ids,
    ]


def export_csv(responses: Responses, *, nordic: bool = True, extra: dict[str, list[str]] | None = None) -> str:
    """Write responses as CSV text.

    With ``nordic`` (the default) it is written as Excel does in Norway and Sweden:
    semicolons, a decimal comma, CRLF line ends; the caller adds the UTF-8 byte-order
    mark when writing the file. ``extra`` adds columns (for example a label).
    """
    instrument = responses.instrument
    columns = export_columns(instrument) + list(extra or {})
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if nordic else ",", lineterminator="\r\n" if nordic else "\n")
    writer.writerow(columns)
    for row, record in enumerate(responses.to_records()):
        if "completion_seconds" in record:
            seconds = f"{record['completion_seconds']:.1f}"
            record["completion_seconds"] = seconds.replace(".", ",") if nordic else seconds
        for name, values in (extra or {}).items():
            record[name] = values[row]
        writer.writerow([record.get(column, "") for column in columns])
    return buffer.getvalue()


def _with_gaps(responses: Responses, share: float, seed: int) -> Responses:
    """Blank out a share of agreement answers at random: real exports have skipped questions."""
    rng = np.random.default_rng(seed)
    items = responses.items.copy()
    items[rng.random(items.shape) < share] = np.nan
    return Responses(
        responses.instrument,
        responses.candidate_ids,
        items,
        responses.choices,
        responses.checks,
        responses.seconds,
        responses.blocks,
    )


def write_bundled_data(directory: str | Path) -> list[Path]:
    """Regenerate the bundled sample export, labelled set and norm group into ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    instrument = load_instrument()
    config = SimulationConfig.reference()

    sample = simulate(400, seed=SAMPLE_SEED, config=config, instrument=instrument)
    ids = np.array([f"cand-{k:04d}" for k in range(1, 401)], dtype=np.str_)
    responses = _with_gaps(sample.responses, 0.01, SAMPLE_SEED)
    responses = Responses(
        instrument, ids, responses.items, responses.choices, responses.checks, responses.seconds, responses.blocks
    )
    export = export_csv(responses)
    # Two rows as real exports sometimes have them: an answer out of range and an unknown option.
    bad = [
        f"cand-0401;700,0;7{';4' * (len(instrument.item_ids) - 1)}",
        f"cand-0402;650,5;{'4;' * len(instrument.item_ids)}e",
    ]
    bad = [line + ";" * (len(export_columns(instrument)) - 1 - line.count(";")) for line in bad]
    export += "\r\n".join(bad) + "\r\n"
    sample_path = directory / SAMPLE_EXPORT
    sample_path.write_bytes(("\ufeff" + export).encode("utf-8"))

    labelled = simulate(1500, seed=LABELLED_SEED, config=config, instrument=instrument, id_prefix="lab")
    labelled_path = directory / SAMPLE_LABELLED
    labelled_path.write_text(
        export_csv(labelled.responses, nordic=False, extra={"profile": [str(p) for p in labelled.profiles]}),
        encoding="utf-8",
    )

    norm_sample = simulate(20_000, seed=NORMS_SEED, config=config, instrument=instrument, id_prefix="norm")
    norms = NormGroup.from_scores(
        f"simulated applicants (reference simulation {config.name}, seed {NORMS_SEED}, n=20000)",
        instrument.scale_ids,
        score_responses(norm_sample.responses).scales,
        description="Candidates drawn from the reference simulation with applicant faking; not real people.",
    )
    norms_path = directory / BUNDLED_NORMS
    norms.save(norms_path)
    return [sample_path, labelled_path, norms_path]


def write_sample_export_2(directory: str | Path) -> Path:
    """Regenerate the bundled 2.0 sample export (:data:`SAMPLE_EXPORT_2`) into ``directory``.

    The 400 people of the 1.2 sample (the same seed: same profiles, traits, carelessness and applicant
    faking; docs/simulation.md) answer instrument 2.0 through
    :func:`~profilefit.data.simulate.simulate_forced_choice` with the shipped parameters; they get the 1.2
    sample's ids (``cand-0001`` …), so the bundled demographics fit both. 1 % of the blocks are left blank
    at random, as real exports have skipped questions. Written as the 1.2 sample is (Excel in Oslo:
    byte-order mark, semicolons, CRLF, a decimal comma), one two-letter column per block. Every row is
    valid: the file scores with no rejects. Run by ``python -m profilefit.data.datasets sample-2``.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    instrument = load_instrument(SAMPLE_2_INSTRUMENT)
    sample = simulate_forced_choice(400, instrument, seed=SAMPLE_SEED, config=SimulationConfig.reference())
    blocks = sample.blocks.copy()
    blocks[np.random.default_rng(SAMPLE_SEED).random(blocks.shape) < 0.01] = NO_ANSWER
    ids = np.array([f"cand-{k:04d}" for k in range(1, 401)], dtype=np.str_)
    items = np.empty((len(ids), 0))
    responses = Responses(instrument, ids, items, sample.choices, sample.checks, np.round(sample.seconds, 1), blocks)
    path = directory / SAMPLE_EXPORT_2
    path.write_bytes(("\ufeff" + export_csv(responses)).encode("utf-8"))
    return path


def main(argv: list[str] | None = None) -> int:
    """``python -m profilefit.data.datasets {bundled,sample-2} [--out DIR]``: regenerate bundled samples."""
    parser = argparse.ArgumentParser(prog="python -m profilefit.data.datasets", description=main.__doc__)
    parser.add_argument(
        "what",
        choices=("bundled", "sample-2"),
        help="bundled: the 1.2 sample export, the labelled set and the norm group; sample-2: the 2.0 sample export",
    )
    parser.add_argument("--out", type=Path, help="folder to write into (default: the package's data folder)")
    args = parser.parse_args(argv)
    folder = args.out if args.out is not None else _data_path(SAMPLE_EXPORT).parent
    written = write_bundled_data(folder) if args.what == "bundled" else [write_sample_export_2(folder)]
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
