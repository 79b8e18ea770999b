"""The complaint text generator: a matter (scenario), its labels, and a text made of its
phrasings with the noise of real intake. Deterministic for a given random.Random state."""
import random
from dataclasses import dataclass

from . import vocab
from .scenarios import SCENARIOS

CATEGORIES = ("product", "service", "misconduct")
DISPUTE_TYPES = ("sales", "claims", "surrender", "underwriting", "policy_service", "renewal", "service",
                 "info_security", "other")
DEPARTMENTS = ("SALES", "CS", "CLAIMS")
# Share of cases whose final label is not the one the text suggests (a clerk's slip, a matter
# reclassified after investigation, a department that took over a case it was not meant for).
LABEL_NOISE = 0.04
MIXED_TOPIC = 0.15  # a second matter mentioned in passing
TYPO = 0.2
FILLER = 0.3
COLLOQUIAL = 0.3
SLOPPY_PUNCTUATION = 0.1
SUMMARY_LIMIT = 200
HINTS = {"c": "category", "t": "dispute", "d": "department"}
HINT_FOLLOWED = 0.85


@dataclass(frozen=True)
class GeneratedCase:
    summary: str
    description: str
    expected_resolution: str
    category: str
    dispute_type: str
    department: str
    misconduct_kind: str
    product_line: str
    scenario: str
    label_noise: bool  # the labels are not those of the matter the text describes

    def compact(self, limit=SUMMARY_LIMIT):
        """Summary and description in one text of at most `limit` characters, as a legacy
        system's single summary column keeps a complaint."""
        text = self.summary if not self.description else f"{self.summary}：{self.description}"
        return text[:limit]


def _weighted(rng, weights):
    keys = list(weights)
    return rng.choices(keys, [weights[k] for k in keys])[0]


def _scenario_weight(scenario, constraints):
    weight = scenario.weight
    for attribute, value in constraints.items():
        if value:
            weight *= getattr(scenario, attribute).get(value, 0) / sum(getattr(scenario, attribute).values())
    return weight


def _pick_scenario(rng, constraints):
    """A scenario compatible with the given labels; dropping constraints (dispute type, then
    category) where no scenario has them all."""
    constraints = dict(constraints)
    for relax in (None, "dispute", "category", "department"):
        if relax:
            constraints[relax] = None
        weights = [_scenario_weight(s, constraints) for s in SCENARIOS]
        if sum(weights) > 0:
            return rng.choices(SCENARIOS, weights)[0]
    raise AssertionError("unreachable: without constraints every scenario has a weight")


def _slots(rng, scenario):
    voice = rng.choices([v for v, _w in vocab.VOICE_WEIGHTS], [w for _v, w in vocab.VOICE_WEIGHTS])[0]
    relation = rng.choice(vocab.RELATIONS)
    product, line = vocab.product(rng, scenario.kinds)
    slots = {key: value.format(relation=relation) for key, value in vocab.VOICES[voice].items()}
    slots.update(
        product=product, line=line, amount=vocab.amount(rng), amount2=vocab.amount(rng, 200, 50000),
        when=vocab.year_month(rng), illness=rng.choice(vocab.ILLNESSES), treatment=rng.choice(vocab.TREATMENTS),
        hospital=rng.choice(vocab.HOSPITALS), agent=rng.choice(vocab.AGENTS), agent_name=rng.choice(vocab.AGENT_NAMES),
        relation=relation, change=rng.choice(vocab.CHANGES), contact=rng.choice(vocab.CHANNELS_OF_CONTACT),
        period=rng.choice(vocab.PERIODS), years=rng.choice(("三", "五", "八", "十", "两", "六", "4", "7")),
    )
    return voice, slots, line


def _sentence(text):
    text = text.strip()
    return text if text and text[-1] in "。，！？：；,.!?" else text + "。"


def _typos(rng, text):
    for _ in range(rng.randint(1, 2)):
        right, wrong = rng.choice(vocab.TYPOS)
        text = text.replace(right, wrong, 1)
    return text


def _sloppy(text):
    """Typed on a phone: half-width punctuation or spaces instead of it."""
    return text.replace("，", ",").replace("。", " ").replace("：", ":").strip()


def _parse(phrase):
    """("c:misconduct|d:SALES|text") -> ([("category", "misconduct"), ("department", "SALES")], "text")."""
    hints = []
    while len(phrase) > 2 and phrase[0] in HINTS and phrase[1] == ":" and "|" in phrase:
        head, phrase = phrase.split("|", 1)
        hints.append((HINTS[head[0]], head[2:]))
    return hints, phrase


def _fit(hints, given):
    """How well a phrasing suits the given labels: its hints agree, disagree or are silent."""
    weight = 1.0
    for kind, value in hints:
        if given.get(kind):
            weight *= 4.0 if value == given[kind] else 0.25
    return weight


def _choose(rng, phrases, k, given):
    parsed = [_parse(p) for p in phrases]
    chosen = []
    while parsed and len(chosen) < k:
        pick = rng.choices(range(len(parsed)), [_fit(h, given) for h, _t in parsed])[0]
        chosen.append(parsed.pop(pick))
    return chosen


def _description(rng, scenario, voice, slots, given):
    """(description, hints of the phrasings used)."""
    size = rng.choices(("none", "short", "normal", "long"), (8, 30, 47, 15))[0]
    if size == "none":
        return "", []
    facts = _choose(rng, scenario.facts, {"short": 1, "normal": 2, "long": 3}[size], given)
    grievances = _choose(rng, scenario.grievances, {"short": 0, "normal": rng.randint(0, 1), "long": 2}[size], given)
    hints = [hint for hints, _text in facts + grievances for hint in hints]
    texts = [text.format(**slots) for _hints, text in facts + grievances]
    parts = [rng.choice(vocab.OPENERS[voice]).format(**slots) + texts[0], *texts[1:]]
    if rng.random() < MIXED_TOPIC:
        other = rng.choice([s for s in SCENARIOS if s.key != scenario.key])
        aside = _parse(rng.choice(other.facts))[1].format(**slots)
        parts.insert(rng.randint(1, len(parts)), rng.choice(("另外，", "还有，", "顺便投诉一下，", "再说一件事，", "")) + aside)
    if rng.random() < FILLER or size == "long":
        parts.insert(rng.randint(0, len(parts)), rng.choice(vocab.FILLERS))
    if rng.random() < COLLOQUIAL:
        parts.insert(rng.randint(1, len(parts)), rng.choice(vocab.COLLOQUIAL) + rng.choice(("！", "。", "？", "")))
    return "".join(_sentence(p) for p in parts), hints


def _label(rng, weights, kind, hints):
    """The label of a case: what the text's hints of this kind say (most often; the most
    frequent hint, ties at random), else drawn from the matter's weights."""
    hinted = [value for hint_kind, value in hints if hint_kind == kind]
    if hinted and rng.random() < HINT_FOLLOWED:
        counts = {value: hinted.count(value) for value in hinted}
        top = max(counts.values())
        return rng.choice(sorted(v for v, c in counts.items() if c == top))
    return _weighted(rng, weights)


def _expected(rng, scenario, slots):
    shape = rng.choices(("none", "generic", "own", "both"), (15, 15, 45, 25))[0]
    wants = []
    if shape in ("own", "both"):
        wants.append(rng.choice(scenario.wants).format(**slots))
    if shape in ("generic", "both"):
        wants.append(rng.choice(vocab.GENERIC_WANTS))
    return "，".join(wants) + ("。" if wants and rng.random() < 0.5 else "")


def _summary(rng, scenario, slots, line, description):
    style = rng.random()
    if style < 0.1 and description:
        return description[: rng.randint(20, 40)]
    summary = rng.choice(scenario.summaries).format(**slots)
    if style < 0.3:
        summary = rng.choice((f"【{line}】", f"{line}：", f"{slots['product']}")) + summary
    return summary[:SUMMARY_LIMIT]


def _noisy_label(rng, labels):
    """One label replaced by another value of its kind."""
    name, values = rng.choice((("category", CATEGORIES), ("category", CATEGORIES), ("dispute", DISPUTE_TYPES),
                               ("department", DEPARTMENTS)))
    labels[name] = rng.choice([v for v in values if v != labels[name]])
    return labels


def generate_text(rng, *, category=None, dispute_type=None, department=None, label_noise=LABEL_NOISE):
    """One complaint with its labels. Given labels are kept as they are; the text is written for
    a matter that has them, except for the `label_noise` share, whose text is written for a
    matter that does not (or, with nothing given, whose labels are changed afterwards)."""
    given = {"category": category, "dispute": dispute_type, "department": department}
    noisy = rng.random() < label_noise
    constraints = dict(given)
    if noisy and any(given.values()):
        constraints[rng.choice([k for k, v in given.items() if v])] = None
    scenario = _pick_scenario(rng, constraints)
    voice, slots, line = _slots(rng, scenario)
    description, hints = _description(rng, scenario, voice, slots, constraints)
    labels = {
        "category": given["category"] or _label(rng, scenario.category, "category", hints),
        "dispute": given["dispute"] or _label(rng, scenario.dispute, "dispute", hints),
        "department": given["department"] or _label(rng, scenario.department, "department", hints),
    }
    if noisy and not any(given.values()):
        labels = _noisy_label(rng, labels)
    summary = _summary(rng, scenario, slots, line, description)
    expected = _expected(rng, scenario, slots)
    if rng.random() < TYPO:
        description = _typos(rng, description) if description else description
        summary = _typos(rng, summary) if rng.random() < 0.3 else summary
    if rng.random() < SLOPPY_PUNCTUATION:
        description, expected = _sloppy(description), _sloppy(expected)
    kind = ""
    if labels["category"] == "misconduct":
        kind = {"sales": "mis_selling", "info_security": "info_leak"}.get(labels["dispute"], "other")
    return GeneratedCase(
        summary=summary, description=description, expected_resolution=expected,
        category=labels["category"], dispute_type=labels["dispute"], department=labels["department"],
        misconduct_kind=kind, product_line=line if rng.random() < 0.6 else "", scenario=scenario.key,
        label_noise=noisy,
    )


def generate_cases(count, seed=2026, **kwargs):
    """`count` complaints from one seeded generator: the same seed, the same list."""
    rng = random.Random(seed)
    return [generate_text(rng, **kwargs) for _ in range(count)]
