"""The complaint text generator: deterministic, varied, labelled like real closed cases."""
import random
from collections import Counter

from cases.models.case import Category, DisputeType
from cases.triage.textgen import generate_cases, generate_text
from cases.triage.textgen.generator import DEPARTMENTS


def test_the_same_seed_gives_the_same_cases_and_another_seed_others():
    assert generate_cases(50, seed=7) == generate_cases(50, seed=7)
    assert generate_cases(50, seed=7) != generate_cases(50, seed=8)


def test_generated_labels_are_valid_values_and_cover_every_value():
    cases = generate_cases(2000, seed=1)
    assert {c.category for c in cases} == set(Category.values)
    assert {c.dispute_type for c in cases} == set(DisputeType.values)
    assert {c.department for c in cases} == set(DEPARTMENTS)
    for case in cases:
        assert case.misconduct_kind == "" if case.category != "misconduct" else case.misconduct_kind


def test_texts_are_varied_in_wording_and_length():
    cases = generate_cases(1000, seed=2)
    descriptions = [c.description for c in cases if c.description]
    assert len(set(descriptions)) > 0.97 * len(descriptions)  # hardly two alike
    lengths = sorted(len(c.summary) + len(c.description) + len(c.expected_resolution) for c in cases)
    assert lengths[50] < 40 and lengths[-50] > 150  # short notes and long letters
    assert sum(not c.description for c in cases) > 30  # some have only a summary
    # the noise of real intake is there: typos, half-width punctuation, a second matter
    everything = "".join(c.summary + c.description for c in cases)
    assert "理陪" in everything or "业物员" in everything or "退宝" in everything
    assert any("," in c.description for c in cases)
    assert any(marker in everything for marker in ("另外，", "顺便投诉一下，", "再说一件事，"))


def test_a_few_percent_carry_a_label_their_text_does_not_suggest():
    cases = generate_cases(4000, seed=3)
    share = sum(c.label_noise for c in cases) / len(cases)
    assert 0.02 < share < 0.06


def test_given_labels_are_kept_and_the_text_is_written_for_them():
    rng = random.Random(4)
    cases = [generate_text(rng, category="misconduct", department="SALES", label_noise=0) for _ in range(300)]
    assert {(c.category, c.department) for c in cases} == {("misconduct", "SALES")}
    scenarios = Counter(c.scenario for c in cases)
    assert scenarios.most_common(1)[0][0] in {"misselling_returns", "misselling_exclusions", "bank_channel",
                                              "forged_signature"}
    assert all(c.misconduct_kind for c in cases)


def test_compact_text_fits_a_legacy_summary_column():
    for case in generate_cases(500, seed=5):
        compact = case.compact()
        assert len(compact) <= 200 and compact.startswith(case.summary[:10])
