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
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

# Verdicts, from the cosine score of the pair (thresholds measured with benchmarks/similar_speed.py)
DUPLICATE_VERDICT = "疑似重复"
SIMILAR_VERDICT = "相似"
DISSIMILAR_VERDICT = "不相似"
TITLE_VERDICT = "题目相近"  # the titles alone are alike (the texts are not, or one is not known)
# measured at 10,000 reports (benchmarks/similar_speed.py): copies 1.0, light rewrites ≥ 0.87, heavy rewrites ≤ 0.53 ...
DUPLICATE = 0.80
# ... heavy rewrites ≥ 0.31, partial copies (a third of a report) ≥ 0.24, unrelated same-topic reports ≤ 0.03;
# 0.15 also stays below the 0.20 the research found for rewrites (its unrelated reports: ≤ 0.16)
SIMILAR = 0.15
# titles: the 65 real titles of the demo office (2,080 pairs of different reports) are at most 60 alike once their boilerplate is
# stripped; rewordings of one title (关于加强X的建议 / X问题亟待解决) are 100
TITLE_CLOSE = 70.0

MAX_DF = 0.01  # n-grams in more than this share of the reports are dropped ...
MIN_DF_DROP = 5  # ... and never those in this many reports or fewer (a small archive has little boilerplate to learn)
N_FEATURES = 2**23
CHUNK = 500  # reports vectorised at a time
# a shared passage with more of its n-grams boilerplate is a set phrase, not evidence (measured: set phrases 0.88–1, copied text ≤ 0.73)
BOILERPLATE_SHARE = 0.8
NGRAMS = (2, 3)
# `neighbours` (every report's similar reports at once) compares the pairs of reports that share RARE_SHARED or more
# n-grams found in 2 to RARE_DF reports; measured at 10,000 reports (tests/test_similar.py's generator): every copy,
# light and heavy rewrite and partial copy is such a pair, 13,000 pairs in all (of 100 million), found in 1.2 s
RARE_DF = 10
RARE_SHARED = 5
NEIGHBOUR_CHUNK = 500  # reports whose candidates are found at a time (memory)
MIN_PASSAGE = 13  # characters of normalised text: shorter shared runs are set phrases, not copying
CONTEXT = 6  # characters of context shown on each side of a passage

# The item template's section headings (templates/item.md.j2, scripts/sqmy/defaults/item.md.j2) and the usual others
SECTION_HEADINGS = frozenset({
    "存在的问题", "主要问题", "问题", "原因分析", "原因", "意见建议", "对策建议", "建议", "几点建议", "基本情况", "情况",
})
_HEADING_NUMBER = re.compile(r"^[#\s]*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[）)]|\d+[、.．])?\s*")
_PROMPT = re.compile(r"【[^】]*】")  # the template's prompts to the writer, left in when a section is not filled in
_NOT_LETTER = re.compile(r"[\W\d_]+")  # not a letter: whitespace, punctuation, symbols, digits (the numeral 〇 is kept)

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
    if not unicodedata.is_normalized("NFKC", text):  # the check is quick; normalising text that already is costs a lot
        text = unicodedata.normalize("NFKC", text)
    kept = "".join(line for line in _PROMPT.sub("", text).splitlines() if not _is_heading(line))
    return _NOT_LETTER.sub("", kept.lower())


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
    body: str  # "" when only the title is known
    source: str = "archive"  # archive (the office's items), upstream or siblings


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


@dataclass(frozen=True)
class Side:
    """A shared passage as one report writes it: the text before it, the passage, the text after it (original text)."""

    before: str
    shared: str
    after: str


@dataclass(frozen=True)
class Shared:
    """One shared passage, in both reports: `ours` in the report checked, `theirs` in the similar one."""

    chars: int  # its length in normalised characters
    ours: Side
    theirs: Side


def _vectorizer() -> HashingVectorizer:
    # hashed: no vocabulary to hold (millions of distinct n-grams at 10,000 reports); 2**23 buckets keep collisions rare
    return HashingVectorizer(
        analyzer="char", ngram_range=NGRAMS, n_features=N_FEATURES, alternate_sign=False, norm=None, lowercase=False, dtype=np.float32,
    )


Row = tuple[Any, Any]  # a report's n-gram buckets (int32, ascending) and how often each occurs (uint16): what is kept between runs


def rows(texts: Sequence[str]) -> list[Row]:
    """The n-gram counts of each of `texts` (normalised), in chunks."""
    vectorizer = _vectorizer()
    out: list[Row] = []
    for start in range(0, len(texts), CHUNK):
        counts = vectorizer.transform(texts[start: start + CHUNK])
        counts.sort_indices()
        for n in range(counts.shape[0]):
            a, b = counts.indptr[n], counts.indptr[n + 1]
            out.append((counts.indices[a:b].astype(np.int32), np.minimum(counts.data[a:b], 65535).astype(np.uint16)))
    return out


class Index:
    """The reports to compare against, vectorised once.

    `counts`: each record's `rows` when already known (kept from an earlier
    run); a record with no body (a title-only entry of a list) has an empty
    row and is found by its title only (`titles`).
    """

    def __init__(self, records: Iterable[Record], counts: Sequence[Row] | None = None) -> None:
        self.records: list[Record] = list(records)
        self._positions = {r.id: n for n, r in enumerate(self.records)}
        self._texts: dict[str, str] = {}
        self._cores: list[str] | None = None
        self._rows: Any = None
        self.sources = np.array([r.source for r in self.records], dtype=object)
        self.counts: list[Row] = list(counts) if counts is not None else rows([normalize(r.body) for r in self.records])
        if len(self.counts) != len(self.records):
            raise ValueError("one row of counts per record")
        self.vectorizer = _vectorizer()
        self.weights = TfidfTransformer(sublinear_tf=True)
        self.matrix: Any = None
        self.boilerplate: Any = np.zeros(N_FEATURES, dtype=bool)
        self.rare: Any = np.zeros(N_FEATURES, dtype=bool)
        self.dropped = 0  # n-grams (hash buckets) dropped as boilerplate
        with_text = [n for n, (indices, _) in enumerate(self.counts) if len(indices)]
        if not with_text:
            return
        lengths = np.array([len(indices) for indices, _ in self.counts], dtype=np.int64)
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        stacked = sparse.csr_matrix(
            (np.concatenate([c for _, c in self.counts]).astype(np.float32), np.concatenate([i for i, _ in self.counts]), indptr),
            shape=(len(self.counts), N_FEATURES),
        )
        texts = stacked[with_text] if len(with_text) < len(self.counts) else stacked
        self.weights.fit(texts)  # over the reports with a text: title-only entries would make every n-gram look rarer
        # the office's boilerplate: n-grams in more than MAX_DF of the reports weigh nothing (a zero inverse document frequency);
        # so do n-grams no report has: a query's own words are no evidence of likeness (as with a fitted vocabulary)
        df = np.bincount(texts.indices, minlength=N_FEATURES)
        boilerplate = df > max(MAX_DF * len(with_text), MIN_DF_DROP)
        self.dropped = int(boilerplate.sum())
        self.boilerplate = boilerplate
        self.rare = (df >= 2) & (df <= RARE_DF)  # n-grams few reports share: the candidates of `neighbours`
        idf = self.weights.idf_.copy()
        idf[boilerplate | (df == 0)] = 0.0
        self.weights.idf_ = idf
        # by column (n-gram): a query reads only the columns of its own n-grams
        self.matrix = self.weights.transform(stacked, copy=False).tocsc()

    def __len__(self) -> int:
        return len(self.records)

    def __contains__(self, record_id: str) -> bool:
        return record_id in self._positions

    def position(self, record_id: str) -> int:
        return self._positions[record_id]

    def record(self, record_id: str) -> Record:
        return self.records[self._positions[record_id]]

    def text_of(self, record_id: str) -> str:
        """The normalised text of a record (made when first asked for)."""
        if record_id not in self._texts:
            self._texts[record_id] = normalize(self.record(record_id).body)
        return self._texts[record_id]

    def scores(self, text: str) -> Any:
        """The cosine of `text` with every report, in the index's order (a numpy array)."""
        if self.matrix is None:
            return np.zeros(len(self.records), dtype=np.float32)
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

    def evidence(self, text: str, record_id: str) -> list[Shared]:
        """The shared passages as each report writes them (`shown`), for reading side by side."""
        return shown(text, self.record(record_id).body, self.passages(text, record_id))

    def _skipped(self, exclude: Collection[str], only: Collection[str] | None) -> Any:
        skip = np.zeros(len(self.records), dtype=bool)
        for record_id in exclude:
            if record_id in self._positions:
                skip[self._positions[record_id]] = True
        if only is not None:
            skip |= ~np.isin(self.sources, list(only))
        return skip

    def query(
        self, text: str, title: str = "", limit: int = 10, exclude: Collection[str] = (), only: Collection[str] | None = None,
    ) -> list[Match]:
        """The `limit` reports most similar to `text` with a score above 0, best first.

        `exclude`: ids not to report (such as its own); `only`: the sources to report from (archive, upstream, siblings)."""
        scores = self.scores(text)
        if not len(scores):
            return []
        scores = np.where(self._skipped(exclude, only), 0.0, scores)
        wanted = min(len(scores), limit)
        top = np.argpartition(-scores, wanted - 1)[:wanted] if wanted < len(scores) else np.arange(len(scores))
        # a report sharing no weighed n-gram with the text is no match at all
        ranked = sorted((int(n) for n in top if scores[n] > 0), key=lambda n: (-scores[n], n))[:limit]
        out = []
        for n in ranked:
            record, score = self.records[n], float(scores[n])
            out.append(Match(record.id, record.title, round(score, 4), title_ratio(title, record.title) if title else 0.0, verdict(score)))
        return out

    def rows(self) -> Any:
        """The weights by report (CSR), made when first asked for."""
        if self._rows is None and self.matrix is not None:
            self._rows = self.matrix.tocsr()
        return self._rows

    def pair_scores(self, lefts: Sequence[int], rights: Sequence[int]) -> Any:
        """The cosine of each pair of records (by position), as `scores` gives it."""
        return _dots(self.rows(), lefts, rights)

    def neighbours(self, positions: Sequence[int], limit: int = 10, only: Collection[str] | None = None) -> dict[int, list[Match]]:
        """For each record at `positions` (with its own text and title), what `query` reports at SIMILAR and above, and
        then what `titles` reports of the others (with the texts' cosine as score): for many records at once.

        Only the pairs sharing RARE_SHARED or more rare n-grams are scored (exactly, as `query` would): a pair alike only
        in n-grams many reports have is not found (such pairs score far below SIMILAR: see RARE_DF)."""
        out: dict[int, list[Match]] = {n: [] for n in positions}
        if not positions:
            return out
        skip = self._skipped((), only)
        if self._cores is None:
            self._cores = [title_core(r.title) for r in self.records]
        rows = self.rows()
        rare = None
        if rows is not None:
            keep = self.rare[rows.indices]  # the rare n-grams of each report, counted once (no copy of every weight)
            kept = np.concatenate([[0], np.cumsum(keep)])
            rare = sparse.csr_matrix((np.ones(int(kept[-1]), dtype=np.float32), rows.indices[keep], kept[rows.indptr]), shape=rows.shape)
            rare_t = rare.T.tocsc()
        for start in range(0, len(positions), NEIGHBOUR_CHUNK):
            chunk = list(positions[start: start + NEIGHBOUR_CHUNK])
            candidates: list[Any] = [np.zeros(0, dtype=np.int64)] * len(chunk)
            if rare is not None:
                shared = (rare[chunk] @ rare_t).tocsr()
                for k, n in enumerate(chunk):
                    a, b = shared.indptr[k], shared.indptr[k + 1]
                    cands = shared.indices[a:b][shared.data[a:b] >= RARE_SHARED]
                    candidates[k] = cands[(cands != n) & ~skip[cands]]
            cosines = _dots(rows, [n for n, c in zip(chunk, candidates, strict=True) for _ in c], [int(x) for c in candidates for x in c])
            ratios = process.cdist([self._cores[n] for n in chunk], self._cores, scorer=fuzz.ratio, score_cutoff=TITLE_CLOSE,
                                   dtype=np.float32, workers=-1)
            picks: list[list[int]] = []
            at = 0
            for k, n in enumerate(chunk):
                found = {int(c): float(v) for c, v in zip(candidates[k], cosines[at: at + len(candidates[k])], strict=True) if v >= SIMILAR}
                at += len(candidates[k])
                title = self.records[n].title
                by_text = sorted(found, key=lambda c: (-found[c], c))[:limit]
                for c in by_text:
                    other = self.records[c]
                    out[n].append(Match(other.id, other.title, round(found[c], 4), title_ratio(title, other.title), verdict(found[c])))
                alike = np.flatnonzero(ratios[k])
                alike = alike[(alike != n) & ~skip[alike] & ~np.isin(alike, by_text)]
                picks.append(alike[np.lexsort((alike, -ratios[k][alike]))][:limit].tolist())  # best first, then by position
            # alike in title: the texts' cosine beside it (what `scores` gives)
            cosines = _dots(rows, [n for n, p in zip(chunk, picks, strict=True) for _ in p], [c for p in picks for c in p])
            at = 0
            for k, n in enumerate(chunk):
                for c in picks[k]:
                    other = self.records[c]
                    out[n].append(Match(other.id, other.title, round(float(cosines[at]), 4), float(ratios[k][c]), TITLE_VERDICT))
                    at += 1
        return out

    def titles(
        self, title: str, limit: int = 10, exclude: Collection[str] = (), only: Collection[str] | None = None, cutoff: float = TITLE_CLOSE,
    ) -> list[Match]:
        """The reports whose title is `cutoff` or more alike `title` once the boilerplate is gone (`title_ratio`), best first."""
        core = title_core(title)
        if not core:
            return []
        if self._cores is None:
            self._cores = [title_core(r.title) for r in self.records]
        skip = self._skipped(exclude, only)
        found = process.extract(core, self._cores, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None)
        ranked = sorted(((float(ratio), n) for _, ratio, n in found if not skip[n]), key=lambda t: (-t[0], t[1]))[:limit]
        return [Match(self.records[n].id, self.records[n].title, 0.0, ratio, TITLE_VERDICT) for ratio, n in ranked]


def _dots(rows: Any, lefts: Sequence[int], rights: Sequence[int], batch: int = 4_000) -> Any:
    """The cosine of each pair (rows[lefts[i]], rows[rights[i]]), in batches: one sparse product per batch, not per pair."""
    out = np.zeros(len(lefts), dtype=np.float32)
    if rows is None:
        return out
    for start in range(0, len(lefts), batch):
        a = rows[list(lefts[start: start + batch])]
        b = rows[list(rights[start: start + batch])]
        out[start: start + batch] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
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


SHOWN = 80  # characters of a long passage shown: its beginning and its end, the middle elided


def letters(text: str) -> tuple[str, list[int]]:
    """`normalize(text)` and, for each of its characters, the index in `text` of the character it came from.

    A character at a time (NFKC of each): for showing passages only, never for indexing."""
    kept = [True] * len(text)
    for prompt in _PROMPT.finditer(text):
        kept[prompt.start(): prompt.end()] = [False] * (prompt.end() - prompt.start())
    chars: list[str] = []
    where: list[int] = []
    start = 0
    for line in text.splitlines(keepends=True):
        positions = [n for n in range(start, start + len(line)) if kept[n]]
        start += len(line)
        content = "".join(text[n] for n in positions)
        if _is_heading(unicodedata.normalize("NFKC", content.rstrip("\r\n"))):
            continue
        for n, char in zip(positions, content, strict=True):
            for made in (char if unicodedata.is_normalized("NFKC", char) else unicodedata.normalize("NFKC", char)).lower():
                if not _NOT_LETTER.match(made):
                    chars.append(made)
                    where.append(n)
    return "".join(chars), where


def _side(original: str, where: list[int], start: int, size: int) -> Side:
    first, last = where[start], where[start + size - 1] + 1
    line_start = original.rfind("\n", 0, first) + 1
    line_end = original.find("\n", last)
    before = original[max(line_start, first - CONTEXT * 2): first]
    after = original[last: min(len(original) if line_end < 0 else line_end, last + CONTEXT * 2)]
    shared = original[first:last]
    if len(shared) > SHOWN:
        shared = f"{shared[: SHOWN * 3 // 4]}……（略 {len(shared) - SHOWN} 字）……{shared[-SHOWN // 4:]}"
    return Side(before.lstrip(), shared, after.rstrip())


def shown(ours: str, theirs: str, found: Sequence[Passage]) -> list[Shared]:
    """`found` (passages of the normalised texts) as the two original texts write them."""
    text_ours, where_ours = letters(ours)
    text_theirs, where_theirs = letters(theirs)
    out = []
    for p in found:
        size = len(p.text)
        if text_ours[p.a_start: p.a_start + size] != p.text or text_theirs[p.b_start: p.b_start + size] != p.text:
            out.append(Shared(size, Side("", p.text, ""), Side("", p.text, "")))  # not of these texts: shown as found
            continue
        out.append(Shared(size, _side(ours, where_ours, p.a_start, size), _side(theirs, where_theirs, p.b_start, size)))
    return out
