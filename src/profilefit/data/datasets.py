"""Bundled sample data: a small assessment export and a labelled set, both simulated.

Both files are written by :func:`write_bundled_data` from fixed seeds, and a test
regenerates them and compares, so the committed copies never drift from the code.
"""

from __future__ import annotations

import csv
import io
from importlib import resources
from pathlib import Path

import numpy as np

from profilefit.core.instrument import Instrument, load_instrument
from profilefit.core.scoring import NormGroup, Responses, score_responses
from profilefit.data.simulate import SimulationConfig, simulate

SAMPLE_EXPORT = "sample_export.csv"
SAMPLE_LABELLED = "sample_labelled.csv"
BUNDLED_NORMS = "norms_customer_contact.json"
SAMPLE_SEED = 4242
LABELLED_SEED = 4343
NORMS_SEED = 4444


def _data_path(name: str) -> Path:
    return Path(str(resources.files("profilefit").joinpath("data", name)))


def sample_export_path() -> Path:
    """The bundled export: 400 simulated candidates, as Excel writes CSV in Oslo (see :func:`export_csv`)."""
    return _data_path(SAMPLE_EXPORT)


def sample_labelled_path() -> Path:
    """The bundled labelled set: 1,500 simulated candidates with a ``profile`` column, for retraining examples."""
    return _data_path(SAMPLE_LABELLED)


def export_columns(instrument: Instrument) -> list[str]:
    """Column order of an export: id, completion time, items, scenarios, attention checks."""
    return ["candidate_id", "completion_seconds", *instrument.item_ids, *instrument.scenario_ids, *instrument.check_ids]


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
