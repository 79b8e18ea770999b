"""Triage inference with numpy alone, from the arrays cases.triage.training fits.

A model is stored as a compressed ``.npz`` archive of plain arrays (the vocabularies as unicode
arrays, idf and coefficients as floats) and read back with ``allow_pickle=False``: loading it
cannot run code, unlike a pickled estimator, and it does not depend on scikit-learn's internal
class layout, which changes between releases.
"""
import io
from collections import Counter

import numpy as np

from . import features

BLOCKS = (("word", features.words), ("char", features.char_ngrams))
PER_TARGET = ("classes", "coef", "intercept")


class ModelArraysInvalid(ValueError):
    """The stored arrays are not a triage model (corrupt, or of another layout)."""


def dumps(arrays):
    """The arrays as the bytes of a compressed .npz archive."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def loads(blob):
    """{name: array} from dumps(); refuses object arrays (they would need pickle)."""
    try:
        with np.load(io.BytesIO(bytes(blob)), allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (ValueError, OSError, EOFError) as exc:  # a zip or .npy error; pickled content refused
        raise ModelArraysInvalid(str(exc)) from exc


class Predictor:
    """Scores every value of every target for a text: softmax(W · tfidf(text) + b), the same
    numbers sklearn's predict_proba gives for the fitted pipeline (tests/cases/triage)."""

    def __init__(self, arrays, targets):
        self.blocks = []
        offset = 0
        for name, analyzer in BLOCKS:
            vocab, idf = self._array(arrays, f"{name}_vocab", "U"), self._array(arrays, f"{name}_idf", "f")
            if vocab.shape != idf.shape or vocab.ndim != 1:
                raise ModelArraysInvalid(f"{name}: vocabulary and idf differ in shape")
            self.blocks.append((analyzer, dict(zip(vocab.tolist(), range(len(vocab)), strict=True)), idf, offset))
            offset += len(vocab)
        self.width = offset
        self.targets = {}
        for target in targets:
            classes, coef, intercept = (self._array(arrays, f"{target}_{part}", kind)
                                        for part, kind in zip(PER_TARGET, ("U", "f", "f"), strict=True))
            if coef.shape != (len(classes), self.width) or intercept.shape != (len(classes),):
                raise ModelArraysInvalid(f"{target}: coefficients do not match the classes and features")
            self.targets[target] = (classes.tolist(), np.asarray(coef, dtype=np.float32),
                                    np.asarray(intercept, dtype=np.float64))

    @staticmethod
    def _array(arrays, name, kind):
        array = arrays.get(name)
        if array is None or array.dtype.kind != kind:
            raise ModelArraysInvalid(f"{name}: missing or of the wrong type")
        return array

    @classmethod
    def from_bytes(cls, blob, targets):
        return cls(loads(blob), targets)

    def vector(self, text):
        """(column indices, values) of the text's TF-IDF row: sublinear tf × idf, each block
        normalised to unit length, as sklearn's TfidfVectorizer(sublinear_tf=True)."""
        columns, values = [], []
        for analyzer, index, idf, offset in self.blocks:
            counts = Counter(index[token] for token in analyzer(text) if token in index)
            if not counts:
                continue
            cols = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            vals = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * idf[cols]
            columns.append(cols + offset)
            values.append(vals / np.linalg.norm(vals))
        if not columns:
            return np.empty(0, dtype=np.intp), np.empty(0)
        return np.concatenate(columns), np.concatenate(values)

    def scores(self, text):
        """{target: [(value, score), ...]} for every value, best first; scores sum to 1. None
        for a text with no known word or n-gram (nothing to go on)."""
        columns, values = self.vector(text)
        if not len(columns):
            return None
        result = {}
        for target, (classes, coef, intercept) in self.targets.items():
            logits = coef[:, columns] @ values + intercept
            exp = np.exp(logits - logits.max())
            probabilities = exp / exp.sum()
            order = np.argsort(-probabilities, kind="stable")
            result[target] = [(classes[i], float(probabilities[i])) for i in order]
        return result
