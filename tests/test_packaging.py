import tomllib
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_every_package_is_listed_for_the_wheel():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(path.parent.relative_to(ROOT / "src").parts) for path in (ROOT / "src").rglob("__init__.py")}
    assert found - listed == set(), "add these packages to [tool.setuptools] packages in pyproject.toml"


def test_data_files_travel_with_the_package():
    from profilefit.core.artifact import reference_model_path
    from profilefit.core.instrument import load_instrument
    from profilefit.core.profiles import load_profiles
    from profilefit.data.datasets import sample_export_path

    assert load_instrument().id == "customer-contact"
    assert len(load_profiles().profiles) == 7
    assert reference_model_path().exists()
    assert sample_export_path().exists()
    assert sample_export_path(load_instrument("customer-contact-2.0")).exists()


def test_importing_profilefit_reads_no_files():
    import subprocess
    import sys

    code = (
        "import builtins, io\n"
        "opened = []\n"
        "real = io.open\n"
        "def spy(file, *a, **k):\n"
        "    opened.append(str(file)); return real(file, *a, **k)\n"
        "io.open = builtins.open = spy\n"
        "import profilefit.core.screening, profilefit.core.instrument\n"
        "data = [f for f in opened if '/profilefit/' in f or '/models/' in f]\n"
        "assert not data, data\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
