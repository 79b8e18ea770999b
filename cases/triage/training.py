"""Fitting the triage classifiers: TF-IDF over jieba words and over character n-grams, and one
multinomial logistic regression per target (softmax scores over its values).

Plain Python and scikit-learn, no database: cases.triage.services feeds it the closed cases
and stores what it returns. The result is a set of plain arrays (cases.triage.predictor.ARRAYS)
that inference reads with numpy alone, never a pickled estimator.
"""
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from . import features
from .models import TARGETS  # noqa: F401  (fit's targets, named with the suggestion's fields)

# Chosen on generated cases (bench/triage.py): C=3 beat 1, 10 and 30 on the held-out top-1 of
# every target; a term must occur in two complaints to count; the character n-grams are capped
# so that the model stays a few MB at 20,000 cases.
HYPERPARAMETERS = {
    "C": 3.0, "max_iter": 1000, "min_df": 2, "max_word_features": 20000, "max_char_features": 30000,
    "test_size": 0.2,
}


@dataclass
class FitResult:
    arrays: dict  # name -> numpy array, see predictor.ARRAYS
    metrics: dict  # target -> held-out figures
    parameters: dict
    skipped: dict = field(default_factory=dict)  # target -> why it has no classifier
    # The fitted scikit-learn objects behind `arrays`: for checks in the same process only,
    # never stored.
    estimators: dict = field(default_factory=dict, repr=False)


def _identity(tokens):
    return tokens


def _vectorizers(params):
    # The texts are cut once (features.words / char_ngrams) and handed over as token lists.
    common = {"analyzer": _identity, "min_df": params["min_df"], "sublinear_tf": True, "dtype": np.float64}
    return (TfidfVectorizer(max_features=params["max_word_features"], **common),
            TfidfVectorizer(max_features=params["max_char_features"], **common))


def _design(vectorizers, word_tokens, char_tokens, fit):
    words, chars = vectorizers
    if fit:
        return hstack([words.fit_transform(word_tokens), chars.fit_transform(char_tokens)]).tocsr()
    return hstack([words.transform(word_tokens), chars.transform(char_tokens)]).tocsr()


def _classifier(params, x, y, seed):
    model = LogisticRegression(C=params["C"], max_iter=params["max_iter"], random_state=seed)
    return model.fit(x, y)


def _ranks(model, x):
    """Per row, the class indices ordered by score (best first)."""
    return np.argsort(-model.predict_proba(x), axis=1, kind="stable")


def _evaluate(params, seed, word_tokens, char_tokens, labels, stratify):
    """Held-out figures: fit on a stratified, seeded split and score the rest."""
    rows = np.arange(len(word_tokens))
    train, test = train_test_split(rows, test_size=params["test_size"], stratify=stratify, random_state=seed)
    vectorizers = _vectorizers(params)
    x_train = _design(vectorizers, [word_tokens[i] for i in train], [char_tokens[i] for i in train], fit=True)
    x_test = _design(vectorizers, [word_tokens[i] for i in test], [char_tokens[i] for i in test], fit=False)
    metrics = {}
    for target, y in labels.items():
        known_train = np.array([i for i, r in enumerate(train) if y[r]])
        known_test = np.array([i for i, r in enumerate(test) if y[r]])
        y_train = np.array([y[train[i]] for i in known_train])
        if len(known_test) == 0 or len(set(y_train)) < 2:
            continue
        model = _classifier(params, x_train[known_train], y_train, seed)
        ranks = model.classes_[_ranks(model, x_test[known_test])]
        truth = np.array([y[test[i]] for i in known_test])
        values, counts = np.unique(truth, return_counts=True)
        metrics[target] = {
            "train": len(known_train), "test": len(known_test),
            "top1": round(float(np.mean(ranks[:, 0] == truth)), 4),
            "top3": round(float(np.mean([t in r[:3] for t, r in zip(truth, ranks, strict=True)])), 4),
            # The share of the most frequent value: what always suggesting it would score.
            "baseline": round(float(counts.max() / counts.sum()), 4),
            "classes": len(model.classes_),
        }
    return metrics


def _strata(labels):
    """The first target's values, to stratify the split by; None when a value occurs only once
    (a stratified split cannot put it on both sides)."""
    values = list(labels[next(iter(labels))])
    return values if min(values.count(v) for v in set(values)) >= 2 else None


def fit(texts, labels, *, seed=2026, params=None):
    """Fit on `texts` with `labels` ({target: [value or "" per text]}); returns a FitResult.

    The held-out figures come from a fit on 80 % of the texts (stratified by the first target,
    seeded); the arrays returned are those of the same pipeline fitted on all of them. A target
    whose texts carry fewer than two values gets no classifier (FitResult.skipped)."""
    params = {**HYPERPARAMETERS, **(params or {})}
    # One thread: on a shared machine BLAS threads competing for two cores made a fit 30x slower.
    with threadpool_limits(limits=1):
        word_tokens = [features.words(t) for t in texts]
        char_tokens = [features.char_ngrams(t) for t in texts]
        metrics = _evaluate(params, seed, word_tokens, char_tokens, labels, stratify=_strata(labels))
        vectorizers = _vectorizers(params)
        x = _design(vectorizers, word_tokens, char_tokens, fit=True)
        arrays = {
            "word_vocab": np.array(vectorizers[0].get_feature_names_out(), dtype=str),
            "word_idf": vectorizers[0].idf_.astype(np.float64),
            "char_vocab": np.array(vectorizers[1].get_feature_names_out(), dtype=str),
            "char_idf": vectorizers[1].idf_.astype(np.float64),
        }
        skipped, models = {}, {}
        for target, y in labels.items():
            known = np.array([i for i, value in enumerate(y) if value])
            values = sorted({y[i] for i in known}) if len(known) else []
            if len(values) < 2:
                skipped[target] = "fewer than two values"
                metrics.pop(target, None)
                continue
            model = models[target] = _classifier(params, x[known], np.array([y[i] for i in known]), seed)
            coef, intercept = model.coef_, model.intercept_
            if coef.shape[0] == 1:
                # Two classes: sklearn keeps one row (the second class's logit). Softmax over
                # (-z/2, z/2) is the sigmoid of z, so two rows give the same scores.
                coef, intercept = np.vstack([-coef / 2, coef / 2]), np.array([-intercept[0] / 2, intercept[0] / 2])
            arrays[f"{target}_classes"] = np.array(model.classes_, dtype=str)
            arrays[f"{target}_coef"] = coef.astype(np.float32)
            arrays[f"{target}_intercept"] = intercept.astype(np.float32)
    parameters = {
        **params, "seed": seed, "tokenizer": features.TOKENIZER_ID,
        "features": {"words": len(arrays["word_vocab"]), "chars": len(arrays["char_vocab"])},
        "targets": [t for t in labels if t not in skipped],
    }
    return FitResult(arrays=arrays, metrics=metrics, parameters=parameters, skipped=skipped,
                     estimators={"vectorizers": vectorizers, "models": models})
