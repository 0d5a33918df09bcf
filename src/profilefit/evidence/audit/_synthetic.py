"""Synthetic demographics for the bundled sample export, so the audit can be tried without real data.

Nothing here describes a real person. The categories use the EEO-1 names that NYC Local Law 144
bias audits report, in fixed shares (see :data:`SEX_SHARES` and :data:`RACE_ETHNICITY_SHARES`);
two race/ethnicity categories are deliberately below 2 % so the "excludable" flag shows. Categories
are drawn independently of everything else, so any impact the audit finds on this file is chance.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path

import numpy as np

#: Seed of the bundled file ``profilefit/data/sample_demographics.csv``; a test regenerates it.
SAMPLE_DEMOGRAPHICS_SEED = 5151
SAMPLE_DEMOGRAPHICS = "sample_demographics.csv"

#: Ids of the 400 candidates of the bundled sample export.
SAMPLE_CANDIDATE_IDS = tuple(f"cand-{k:04d}" for k in range(1, 401))

#: Columns of the synthetic file; ``age`` is in whole years.
SYNTHETIC_COLUMNS = ("candidate_id", "sex", "race_ethnicity", "age")

#: Share of each value; a blank or "declined" value is an unknown category.
SEX_SHARES: Mapping[str, float] = {"Female": 0.50, "Male": 0.46, "declined": 0.02, "": 0.02}
RACE_ETHNICITY_SHARES: Mapping[str, float] = {
    "White": 0.40,
    "Hispanic or Latino": 0.19,
    "Black or African American": 0.15,
    "Asian": 0.11,
    "Two or More Races": 0.05,
    "American Indian or Alaska Native": 0.015,
    "Native Hawaiian or Other Pacific Islander": 0.01,
    "declined": 0.03,
    "": 0.045,
}
#: Share of people who declined to give their age.
AGE_DECLINED_SHARE = 0.03


def _allocate(shares: Mapping[str, float], n: int, rng: np.random.Generator) -> list[str]:
    """Exactly ``round(share * n)`` of each value (largest remainder), in random order."""
    values = list(shares)
    exact = np.array([shares[value] for value in values]) * n / sum(shares.values())
    counts = np.floor(exact).astype(int)
    for k in np.argsort(-(exact - counts), kind="stable")[: n - int(counts.sum())]:
        counts[k] += 1
    labels = [value for value, count in zip(values, counts, strict=True) for _ in range(count)]
    return [labels[k] for k in rng.permutation(n)]


def make_synthetic_demographics(candidate_ids: Sequence[str], seed: int) -> list[dict[str, str]]:
    """Invent sex, race/ethnicity and age for ``candidate_ids``: the same output for the same seed.

    Parameters
    ----------
    candidate_ids : sequence of str
    seed : int
        Seed of the numpy random generator.

    Returns
    -------
    list of dict of str to str
        One row per id, in order, with the keys of :data:`SYNTHETIC_COLUMNS`; unknown values are
        blank or ``"declined"``. Category counts are the shares times the number of ids, rounded.

    Examples
    --------
    >>> rows = make_synthetic_demographics(["a", "b"], seed=1)
    >>> sorted(rows[0])
    ['age', 'candidate_id', 'race_ethnicity', 'sex']
    >>> rows == make_synthetic_demographics(["a", "b"], seed=1)
    True
    """
    rng = np.random.default_rng(seed)
    n = len(candidate_ids)
    sexes = _allocate(SEX_SHARES, n, rng)
    races = _allocate(RACE_ETHNICITY_SHARES, n, rng)
    ages = [str(age) for age in np.clip(np.rint(rng.normal(36.0, 10.5, size=n)), 18, 67).astype(int)]
    declined = _allocate({"declined": AGE_DECLINED_SHARE, "given": 1.0 - AGE_DECLINED_SHARE}, n, rng)
    return [
        {
            "candidate_id": candidate_id,
            "sex": sexes[k],
            "race_ethnicity": races[k],
            "age": "declined" if declined[k] == "declined" else ages[k],
        }
        for k, candidate_id in enumerate(candidate_ids)
    ]


def write_demographics_csv(rows: Sequence[Mapping[str, str]], path: str | Path) -> Path:
    """Write demographics rows as UTF-8, comma-separated CSV with the columns of :data:`SYNTHETIC_COLUMNS`."""
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=SYNTHETIC_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_sample_demographics(directory: str | Path) -> Path:
    """Regenerate the bundled synthetic demographics file into ``directory``."""
    rows = make_synthetic_demographics(SAMPLE_CANDIDATE_IDS, seed=SAMPLE_DEMOGRAPHICS_SEED)
    return write_demographics_csv(rows, Path(directory) / SAMPLE_DEMOGRAPHICS)


def sample_demographics_path() -> Path:
    """Return the path of the bundled synthetic demographics of the sample export's 400 candidates (not real people)."""
    return Path(str(resources.files("profilefit").joinpath("data", SAMPLE_DEMOGRAPHICS)))
