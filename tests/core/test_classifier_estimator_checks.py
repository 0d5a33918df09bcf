import pytest
from sklearn.utils.estimator_checks import estimator_checks_generator

from profilefit.core.classifier import ProfileClassifier

ESTIMATORS = [ProfileClassifier(random_state=0), ProfileClassifier(calibration_fraction=0.0)]

# What parametrize_with_checks does, as a list: scikit-learn 1.6 hands pytest a generator, which
# pytest 9 deprecates (a warning, so an error here), and profilefit supports scikit-learn from 1.6.
CHECKS = [pair for estimator in ESTIMATORS for pair in estimator_checks_generator(estimator, mark="xfail")]


def _check_id(value):
    return getattr(value, "func", value).__name__ if callable(value) else repr(value).replace(" ", "")


@pytest.mark.parametrize(("estimator", "check"), CHECKS, ids=_check_id)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
