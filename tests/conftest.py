import os

import pytest
from hypothesis import HealthCheck, settings

from profilefit.core.instrument import load_instrument
from profilefit.core.screening import Screener

# CI: no deadline (shared runners are noisy) and print the reproduction blob on failure.
settings.register_profile(
    "ci", deadline=None, print_blob=True, max_examples=60, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, max_examples=40)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def instrument():
    return load_instrument()


@pytest.fixture(scope="session")
def custom_instrument():
    return load_instrument(os.path.join(os.path.dirname(__file__), "..", "examples", "data", "custom_instrument.toml"))


@pytest.fixture(scope="session")
def screener():
    return Screener.load()
