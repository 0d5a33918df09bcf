"""The audit and the forecast on instrument 2.0 results, and 2.0 groups with planted statement DIF."""

from __future__ import annotations

import csv
import functools
import json
from pathlib import Path

import numpy as np
import pytest

from profilefit.apps.cli import main
from profilefit.core.artifact import read_manifest, reference_model_path
from profilefit.core.instrument import BLOCK_LABELS, load_instrument
from profilefit.data.simulate import simulate_groups


@functools.cache
def _groups():  # type: ignore[no-untyped-def]
    instrument = load_instrument("customer-contact-2.0")
    return simulate_groups(
        {"men": 150, "women": 150}, differences={"women": {"empathy": 0.4}}, seed=3, instrument=instrument
    )


def _write_inputs(folder: Path) -> tuple[Path, Path]:
    simulated = _groups()
    records = simulated.responses.to_records()
    export, demographics = folder / "export-2.csv", folder / "demographics.csv"
    with export.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)
    with demographics.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["candidate_id", "sex"])
        for record, group in zip(records, simulated.groups.tolist(), strict=True):
            writer.writerow([record["candidate_id"], "female" if group == "women" else "male"])
    return export, demographics


@pytest.mark.parametrize("given_model", [True, False])
def test_audit_runs_on_2_0_results_and_names_the_instrument(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], given_model: bool
) -> None:
    export, demographics = _write_inputs(tmp_path)
    results = tmp_path / "results-2.csv"
    assert main(["score", str(export), "--model", "reference-2.0", "-o", str(results)]) == 0
    capsys.readouterr()
    out = tmp_path / "audit.json"
    model = ["--model", "reference-2.0"] if given_model else []
    assert main(["audit", str(results), "--demographics", str(demographics), *model, "--json", str(out)]) == 0
    text = capsys.readouterr().out
    tool = json.loads(out.read_text("utf-8"))["tool"]
    manifest = read_manifest(reference_model_path("reference-2.0"))
    assert (tool["instrument_id"], tool["instrument_version"]) == ("customer-contact", "2.0")
    assert tool["model_id"] == manifest.model_id and tool["is_reference"]
    assert "Instrument: customer-contact 2.0." in text
    # The role's scales are named as instrument 2.0 names them, not with 1.2's names.
    names_2 = {scale.name["en"] for scale in load_instrument("customer-contact-2.0").scales}
    names_1 = {scale.name["en"] for scale in load_instrument().scales}
    line = next(row for row in text.splitlines() if row.startswith("Scales the role weighs"))
    assert any(name in line for name in names_2 - names_1)
    assert not any(name in line for name in names_1 - names_2)


def test_forecast_runs_on_the_2_0_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "forecast.json"
    args = ["audit", "forecast", "--role", "complex-case", "--model", "reference-2.0", "--n", "200", "--draws", "2"]
    assert main([*args, "--json", str(out)]) == 0
    capsys.readouterr()
    document = json.loads(out.read_text("utf-8"))
    assert read_manifest(reference_model_path("reference-2.0")).model_id in json.dumps(document)


def test_2_0_groups_carry_trait_differences_and_statement_dif() -> None:
    instrument = load_instrument("customer-contact-2.0")
    statement = "em_01"
    block = next(k for k, b in enumerate(instrument.blocks) if any(s.id == statement for s in b.statements))
    letter = next(k for k, s in enumerate(instrument.blocks[block].statements) if s.id == statement)
    sim = simulate_groups({"a": 1500, "b": 1500}, item_dif={"b": {statement: 1.0}}, seed=4, instrument=instrument)
    positions = sim.responses.block_positions()
    most = positions[:, block, 0] == letter
    rate_a, rate_b = most[sim.groups == "a"].mean(), most[sim.groups == "b"].mean()
    # Same traits, the statement made harder to mark most for b: its rate falls by well over sampling noise (~.017).
    assert rate_a - rate_b > 0.08, (rate_a, rate_b)
    assert sim.responses.items.shape == (3000, 0) and len(BLOCK_LABELS) == 3
    shifted = simulate_groups(
        {"a": 1500, "b": 1500}, differences={"b": {"empathy": 0.5}}, seed=4, instrument=instrument
    )
    empathy = list(shifted.simulation.config.traits).index("empathy")
    gap = shifted.simulation.traits[shifted.groups == "b", empathy].mean()
    gap -= shifted.simulation.traits[shifted.groups == "a", empathy].mean()
    sd = np.sqrt(shifted.simulation.traits[:, empathy].var())
    assert 0.3 < gap / sd < 0.7


def test_unknown_statement_in_item_dif_is_refused_with_its_name() -> None:
    instrument = load_instrument("customer-contact-2.0")
    with pytest.raises(ValueError, match=r"unknown statement.*'xx_99'"):
        simulate_groups({"a": 5, "b": 5}, item_dif={"b": {"xx_99": 1.0}}, instrument=instrument)
