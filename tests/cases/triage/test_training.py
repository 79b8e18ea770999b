"""Training on generated complaints: accuracy above a floor, scores identical to scikit-learn's,
a model stored as plain arrays and read back without pickle."""
import io

import numpy as np
import pytest
from scipy.sparse import hstack

from cases.triage import features, predictor, training
from cases.triage.textgen import generate_cases


def texts_and_labels(cases):
    texts = [f"{c.summary}\n{c.description}\n{c.expected_resolution}" for c in cases]
    return texts, {target: [getattr(c, target) for c in cases] for target in training.TARGETS}


def sklearn_scores(result, target, text):
    """{value: probability} of the fitted scikit-learn pipeline behind `result`."""
    words, chars = result.estimators["vectorizers"]
    x = hstack([words.transform([features.words(text)]), chars.transform([features.char_ngrams(text)])]).tocsr()
    estimator = result.estimators["models"][target]
    return dict(zip(estimator.classes_, estimator.predict_proba(x)[0], strict=True))


@pytest.fixture(scope="module")
def fitted():
    cases = generate_cases(600, seed=2026)
    texts, labels = texts_and_labels(cases)
    return texts, labels, training.fit(texts, labels, seed=2026)


# The floors: at 600 generated cases (120 held out) the pipeline scores about 0.68–0.78 on the
# category, 0.89–0.95 on the dispute type and 0.75–0.85 on the department over four seeds, where
# always suggesting the commonest value scores 0.39–0.44, 0.22–0.26 and 0.38–0.44. A floor some
# 20 points above those baselines, and below the worst seed, fails when learning breaks (a
# feature block lost, labels misaligned), not when the seed or a phrasing changes.
FLOORS = {"category": 0.60, "dispute_type": 0.80, "department": 0.65}


def test_training_on_generated_cases_beats_the_floor_and_the_commonest_value(fitted):
    _texts, _labels, result = fitted
    for target, floor in FLOORS.items():
        figures = result.metrics[target]
        assert figures["top1"] >= floor, (target, figures)
        assert figures["top1"] >= figures["baseline"] + 0.2, (target, figures)
        assert figures["top3"] >= figures["top1"]
        assert figures["test"] == 120 and figures["train"] == 480
    assert result.metrics["dispute_type"]["top3"] >= 0.95


def test_the_same_cases_and_seed_give_the_same_model(fitted):
    texts, labels, result = fitted
    again = training.fit(texts, labels, seed=2026)
    assert again.metrics == result.metrics
    assert all(np.array_equal(again.arrays[name], array) for name, array in result.arrays.items())


def test_numpy_inference_gives_scikit_learns_probabilities(fitted):
    _texts, _labels, result = fitted
    model = predictor.Predictor(result.arrays, result.parameters["targets"])
    for case in generate_cases(40, seed=99):
        text = f"{case.summary}\n{case.description}\n{case.expected_resolution}"
        ours = model.scores(text)
        for target in result.estimators["models"]:
            assert dict(ours[target]) == pytest.approx(sklearn_scores(result, target, text), abs=1e-5)


def test_suggestions_come_in_score_order_and_the_scores_of_all_values_sum_to_one(fitted):
    _texts, _labels, result = fitted
    model = predictor.Predictor(result.arrays, result.parameters["targets"])
    scores = model.scores("我在等待期内确诊了甲状腺癌，申请理赔被拒，要求按合同赔付。")
    assert set(scores) == set(training.TARGETS)
    for ranked in scores.values():
        values = [score for _value, score in ranked]
        assert values == sorted(values, reverse=True)
        assert sum(values) == pytest.approx(1.0) and sum(values[:3]) <= 1.0 + 1e-9
    assert scores["dispute_type"][0][0] == "claims"


def test_a_text_with_nothing_the_model_knows_gets_no_scores(fitted):
    _texts, _labels, result = fitted
    assert predictor.Predictor(result.arrays, result.parameters["targets"]).scores("!!! ??? ...") is None


def test_stored_weights_are_plain_arrays_read_without_pickle(fitted):
    _texts, _labels, result = fitted
    blob = predictor.dumps(result.arrays)
    with np.load(io.BytesIO(blob), allow_pickle=False) as archive:
        assert {archive[name].dtype.kind for name in archive.files} <= {"U", "f"}
    loaded = predictor.Predictor.from_bytes(blob, result.parameters["targets"])
    assert loaded.scores("客服热线打不通") == predictor.Predictor(result.arrays, result.parameters["targets"]).scores("客服热线打不通")


def test_weights_that_would_need_pickle_or_do_not_fit_are_refused(fitted):
    _texts, _labels, result = fitted
    buffer = io.BytesIO()
    np.savez(buffer, **{**result.arrays, "word_vocab": np.array([{"a": 1}], dtype=object)})
    with pytest.raises(predictor.ModelArraysInvalid):
        predictor.Predictor.from_bytes(buffer.getvalue(), result.parameters["targets"])
    truncated = {**result.arrays, "category_coef": result.arrays["category_coef"][:, :10]}
    with pytest.raises(predictor.ModelArraysInvalid):
        predictor.Predictor(truncated, result.parameters["targets"])
    with pytest.raises(predictor.ModelArraysInvalid):
        predictor.loads(b"not an archive")


def test_a_target_with_a_single_value_gets_no_classifier():
    cases = generate_cases(120, seed=6)
    texts, labels = texts_and_labels(cases)
    labels["department"] = ["CS"] * len(cases)
    result = training.fit(texts, labels)
    assert result.skipped == {"department": "fewer than two values"}
    assert result.parameters["targets"] == ["category", "dispute_type"]
    assert "department_coef" not in result.arrays


def test_two_values_are_scored_as_scikit_learns_binary_model():
    cases = [c for c in generate_cases(400, seed=8) if c.category in ("product", "service")]
    texts, labels = texts_and_labels(cases)
    result = training.fit(texts, {"category": labels["category"]})
    ours = dict(predictor.Predictor(result.arrays, ["category"]).scores(texts[0])["category"])
    assert ours == pytest.approx(sklearn_scores(result, "category", texts[0]), abs=1e-5)
