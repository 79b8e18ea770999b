"""What a complaint text becomes before a classifier reads it: jieba words and character
n-grams of the normalised text. Training (sklearn's TfidfVectorizer calls these as its
analyzers) and inference (cases.triage.predictor) share these functions, so a text is cut the
same way in both."""
import hashlib
import logging
import re
import unicodedata
from functools import lru_cache

import jieba

# jieba sets its own logger to DEBUG and prints the dictionary build to stderr on import.
jieba.setLogLevel(logging.WARNING)

# Insurance terms jieba's general dictionary cuts apart (既往症 → 既往 / 症未). Part of the
# model: TOKENIZER_ID (stored with each model) changes when this list does.
DOMAIN_WORDS = (
    "既往症", "犹豫期", "等待期", "宽限期", "免责条款", "现金价值", "重疾险", "重大疾病", "医疗险", "年金险", "分红险",
    "万能险", "万能账户", "结算利率", "保全", "续期", "续保", "复效", "核保", "拒保", "拒赔", "退保", "满期金",
    "生存金", "代签名", "代抄录", "健康告知", "如实告知", "保单贷款", "理赔员", "理赔款", "业务员", "代理人",
    "理财经理", "销售误导", "受益人", "加费承保", "除外承保", "孤儿单", "全额退保", "信息泄露", "保单号", "犹豫期内",
    "退保金", "保费", "扣款", "回访", "客服热线", "人工客服", "智能客服", "伤残鉴定", "轻症", "投保人", "被保险人",
)
TEXT_LIMIT = 2000  # characters read of a text; beyond that a complaint repeats itself
CHAR_NGRAMS = (2, 3)

_SEPARATORS = re.compile(r"[\W_]+")  # CJK characters are word characters to `re`
_DIGIT = re.compile(r"\d")
_LATIN_OR_NUMBER = re.compile(r"[0-9a-z]+")


def normalise(text):
    """Full-width to half-width, lower case, every digit 0 (amounts and dates vary without
    saying anything about the matter), at most TEXT_LIMIT characters."""
    return _DIGIT.sub("0", unicodedata.normalize("NFKC", (text or "")[:TEXT_LIMIT]).lower())


@lru_cache(maxsize=1)
def tokenizer():
    """jieba with the domain words, built on first use (about a second and some 70 MB: jieba's
    prefix dictionary) and kept for the life of the process."""
    cutter = jieba.Tokenizer()
    cutter.initialize()
    for word in DOMAIN_WORDS:
        cutter.add_word(word, freq=cutter.suggest_freq(word, tune=False) * 10 + 10)
    return cutter


def words(text):
    """jieba words of the text, without punctuation and spaces."""
    return [w for w in tokenizer().lcut(normalise(text), HMM=True) if not _SEPARATORS.fullmatch(w)]


def char_ngrams(text):
    """Character 2- and 3-grams within each run of the text between punctuation or spaces:
    they catch what segmentation misses (typos, unknown product names, colloquial fragments)."""
    grams = []
    for chunk in _SEPARATORS.split(normalise(text)):
        chunk = _LATIN_OR_NUMBER.sub("0", chunk)
        for n in CHAR_NGRAMS:
            grams.extend(chunk[i:i + n] for i in range(len(chunk) - n + 1))
    return grams


def _tokenizer_id():
    digest = hashlib.sha256("\n".join(DOMAIN_WORDS).encode()).hexdigest()[:12]
    return f"jieba-{jieba.__version__}+{digest};chars{CHAR_NGRAMS[0]}-{CHAR_NGRAMS[-1]}"


# Stored with each model: a model is read the way it was trained only under the same id.
TOKENIZER_ID = _tokenizer_id()
