"""查重: how similar a report is to the reports already written, and the passages they share.

Pure functions, no command line.  The method was measured before it was chosen
(benchmarks/similar_speed.py, tests/test_similar.py):

- text is normalised first (`normalize`): NFKC, then only letters are kept
  (whitespace, punctuation, symbols and digits go), and the item template's
  section headings and prompts are dropped;
- each report is a TF-IDF vector of its character 2- and 3-grams (sublinear
  term frequency, L2-normalised); n-grams found in more than `MAX_DF` of the
  reports (and in more than `MIN_DF_DROP`) weigh nothing: they are the office's
  boilerplate, not evidence;
- the score of a pair is the cosine of their vectors; the verdict compares it
  with `DUPLICATE` and `SIMILAR`;
- titles are compared after their boilerplate is stripped (`title_core`) with
  rapidfuzz's ratio: shown beside the score, not part of the verdict;
- the shared passages are the matching blocks of difflib's SequenceMatcher on
  the two normalised texts, `MIN_PASSAGE` characters or longer; `Index.passages`
  leaves out those made mostly of boilerplate n-grams (the office's set phrases).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from rapidfuzz import fuzz
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

# Verdicts, from the cosine score of the pair (thresholds measured with benchmarks/similar_speed.py)
DUPLICATE_VERDICT = "疑似重复"
SIMILAR_VERDICT = "相似"
DISSIMILAR_VERDICT = "不相似"
# measured at 10,000 reports (benchmarks/similar_speed.py): copies 1.0, light rewrites ≥ 0.87, heavy rewrites ≤ 0.53 ...
DUPLICATE = 0.80
# ... heavy rewrites ≥ 0.31, partial copies (a third of a report) ≥ 0.24, unrelated same-topic reports ≤ 0.03;
# 0.15 also stays below the 0.20 the research found for rewrites (its unrelated reports: ≤ 0.16)
SIMILAR = 0.15

MAX_DF = 0.01  # n-grams in more than this share of the reports are dropped ...
MIN_DF_DROP = 5  # ... and never those in this many reports or fewer (a small archive has little boilerplate to learn)
N_FEATURES = 2**23
CHUNK = 500  # reports vectorised at a time
# a shared passage with more of its n-grams boilerplate is a set phrase, not evidence (measured: set phrases 0.88–1, copied text ≤ 0.73)
BOILERPLATE_SHARE = 0.8
NGRAMS = (2, 3)
MIN_PASSAGE = 13  # characters of normalised text: shorter shared runs are set phrases, not copying
CONTEXT = 6  # characters of context shown on each side of a passage

# The item template's section headings (templates/item.md.j2, scripts/sqmy/defaults/item.md.j2) and the usual others
SECTION_HEADINGS = frozenset({
    "存在的问题", "主要问题", "问题", "原因分析", "原因", "意见建议", "对策建议", "建议", "几点建议", "基本情况", "情况",
})
_HEADING_NUMBER = re.compile(r"^[#\s]*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[）)]|\d+[、.．])?\s*")
_PROMPT = re.compile(r"【[^】]*】")  # the template's prompts to the writer, left in when a section is not filled in

# Title boilerplate: what almost every title says, so that two titles differ only in what they are about
_TITLE_PREFIXES = ("关于进一步", "关于加快", "关于加强", "关于推进", "关于完善", "关于解决", "关于", "建议", "对")
_TITLE_SUFFIXES = (
    "问题亟待解决", "亟待解决", "亟需解决", "亟待重视", "亟待加强", "应引起重视", "值得关注", "的几点建议", "的意见建议", "的建议",
    "的提案", "的意见", "的思考", "的对策", "的调研报告", "调研报告", "问题", "工作", "建议", "的",
)


def _is_heading(line: str) -> bool:
    core = _HEADING_NUMBER.sub("", line).strip().rstrip("：:")
    return line.lstrip().startswith("#") or core in SECTION_HEADINGS


def normalize(text: str) -> str:
    """Only the letters of `text` (NFKC, lower case), without the template's headings and prompts.

    Whitespace, punctuation, symbols and digits are dropped: a copy with other
    punctuation, other numbers or other line breaks normalises to the same text.
    """
    text = _PROMPT.sub("", unicodedata.normalize("NFKC", text))
    kept = "".join(line for line in text.splitlines() if not _is_heading(line))
    return "".join(c for c in kept.lower() if unicodedata.category(c).startswith("L"))


def title_core(title: str) -> str:
    """What a title is about: normalised, with 关于 … 的建议 and the like stripped."""
    core = normalize(title)
    changed = True
    while changed:
        changed = False
        for prefix in _TITLE_PREFIXES:
            if core.startswith(prefix) and len(core) > len(prefix):
                core, changed = core[len(prefix):], True
        for suffix in _TITLE_SUFFIXES:
            if core.endswith(suffix) and len(core) > len(suffix):
                core, changed = core[: -len(suffix)], True
    return core


def title_ratio(a: str, b: str) -> float:
    """0–100: how alike two titles are once their boilerplate is gone."""
    return float(fuzz.ratio(title_core(a), title_core(b)))


def verdict(score: float) -> str:
    if score >= DUPLICATE:
        return DUPLICATE_VERDICT
    if score >= SIMILAR:
        return SIMILAR_VERDICT
    return DISSIMILAR_VERDICT


@dataclass(frozen=True)
class Record:
    id: str
    title: str
    body: str


@dataclass(frozen=True)
class Match:
    id: str
    title: str
    score: float  # cosine of the TF-IDF vectors, 0–1
    title_ratio: float  # 0–100
    verdict: str


@dataclass(frozen=True)
class Passage:
    """A run of normalised text found in both reports, with a little context from each side."""

    text: str
    a: str  # the passage in its context in the first report
    b: str  # ... and in the second
    a_start: int  # offsets in the normalised texts
    b_start: int


def _vectorizer() -> HashingVectorizer:
    # hashed: no vocabulary to hold (millions of distinct n-grams at 10,000 reports); 2**23 buckets keep collisions rare
    return HashingVectorizer(
        analyzer="char", ngram_range=NGRAMS, n_features=N_FEATURES, alternate_sign=False, norm=None, lowercase=False, dtype=np.float32,
    )


class Index:
    """The reports to compare against, vectorised once."""

    def __init__(self, records: Iterable[Record]) -> None:
        self.records: list[Record] = list(records)
        self.texts = [normalize(r.body) for r in self.records]
        self._positions = {r.id: n for n, r in enumerate(self.records)}
        self.vectorizer = _vectorizer()
        self.weights = TfidfTransformer(sublinear_tf=True)
        self.matrix: Any = None
        self.boilerplate: Any = np.zeros(N_FEATURES, dtype=bool)
        self.dropped = 0  # n-grams (hash buckets) dropped as boilerplate
        if not self.records:
            return
        # in chunks, transformed in place: the process's peak at 10,000 reports went from 857 to 737 MB (237 MB of it the test set)
        counts = sparse.vstack([self.vectorizer.transform(self.texts[i: i + CHUNK]) for i in range(0, len(self.texts), CHUNK)], format="csr")
        self.weights.fit(counts)
        # the office's boilerplate: n-grams in more than MAX_DF of the reports weigh nothing (a zero inverse document frequency);
        # so do n-grams no report has: a query's own words are no evidence of likeness (as with a fitted vocabulary)
        df = np.bincount(counts.indices, minlength=N_FEATURES)
        boilerplate = df > max(MAX_DF * len(self.records), MIN_DF_DROP)
        self.dropped = int(boilerplate.sum())
        self.boilerplate = boilerplate
        idf = self.weights.idf_.copy()
        idf[boilerplate | (df == 0)] = 0.0
        self.weights.idf_ = idf
        # by column (n-gram): a query reads only the columns of its own n-grams
        self.matrix = self.weights.transform(counts, copy=False).tocsc()

    def __len__(self) -> int:
        return len(self.records)

    def text_of(self, record_id: str) -> str:
        return self.texts[self._positions[record_id]]

    def scores(self, text: str) -> Any:
        """The cosine of `text` with every report, in the index's order (a numpy array)."""
        if self.matrix is None:
            return np.zeros(0, dtype=np.float32)
        vector = self.weights.transform(self.vectorizer.transform([normalize(text)]))
        return np.asarray(self.matrix[:, vector.indices] @ vector.data).ravel()

    def is_boilerplate(self, text: str) -> bool:
        """Whether more than BOILERPLATE_SHARE of the n-grams of `text` (normalised) are boilerplate: a set phrase of the office."""
        features = self.vectorizer.transform([text]).indices
        return bool(len(features)) and float(self.boilerplate[features].mean()) > BOILERPLATE_SHARE

    def passages(self, text: str, record_id: str, min_chars: int = MIN_PASSAGE) -> list[Passage]:
        """The passages `text` shares with the report `record_id`, set phrases of the office left out."""
        found = passages(normalize(text), self.text_of(record_id), min_chars, normalized=True)
        return [p for p in found if not self.is_boilerplate(p.text)]

    def query(self, text: str, title: str = "", limit: int = 10, exclude: Sequence[str] = ()) -> list[Match]:
        """The `limit` reports most similar to `text` with a score above 0, best first (`exclude`: ids not to report, such as its own)."""
        scores = self.scores(text)
        if not len(scores):
            return []
        skip = {self._positions[i] for i in exclude if i in self._positions}
        wanted = min(len(scores), limit + len(skip))
        top = np.argpartition(-scores, wanted - 1)[:wanted] if wanted < len(scores) else np.arange(len(scores))
        # a report sharing no weighed n-gram with the text is no match at all
        ranked = sorted((int(n) for n in top if int(n) not in skip and scores[n] > 0), key=lambda n: (-scores[n], n))[:limit]
        out = []
        for n in ranked:
            record, score = self.records[n], float(scores[n])
            out.append(Match(record.id, record.title, round(score, 4), title_ratio(title, record.title) if title else 0.0, verdict(score)))
        return out


def passages(a: str, b: str, min_chars: int = MIN_PASSAGE, normalized: bool = False) -> list[Passage]:
    """The passages of `min_chars` or more characters the two texts share, in the first text's order.

    Compared after `normalize` (unless `normalized`): a copy with other
    punctuation or numbers is still found.  The blocks are difflib's matching
    blocks, in the same order in both texts: a moved passage shows only if it
    is the longer of two that cross.
    """
    if not normalized:
        a, b = normalize(a), normalize(b)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    found = []
    for block in matcher.get_matching_blocks():
        if block.size >= min_chars:
            end_a, end_b = block.a + block.size, block.b + block.size
            found.append(Passage(
                a[block.a: end_a],
                a[max(0, block.a - CONTEXT): end_a + CONTEXT],
                b[max(0, block.b - CONTEXT): end_b + CONTEXT],
                block.a,
                block.b,
            ))
    return found
