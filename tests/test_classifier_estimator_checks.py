from sklearn.utils.estimator_checks import parametrize_with_checks

from profilefit.classifier import ProfileClassifier


@parametrize_with_checks([ProfileClassifier(random_state=0), ProfileClassifier(calibration_fraction=0.0)])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
