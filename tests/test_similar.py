"""查重 (sqmy.similar), measured on a test set made here.

The generator writes synthetic reports in the shape of the item template: an
opening paragraph, then 存在的问题 / 原因分析 / 意见建议, every sentence built
from slots (place, topic, subject, problem, measure, numbers).  Reports on the
same topic share the topic's words and the office's phrasing, which is what
makes unrelated same-topic reports the hard negatives.  From a source report
it makes exact copies, light rewrites, heavy rewrites and partial copies.
benchmarks/similar_speed.py uses the same generator at 10,000 reports.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from pathlib import Path

import pytest

from sqmy import similar
from sqmy.demo import PLACES, TOPICS

SUBJECTS = (
    "部分群众", "不少居民", "基层干部", "村（社区）工作人员", "相关企业", "部分老年人", "外出务工人员家属", "个体经营户", "家长和学生",
    "一线工作人员", "乡镇站所", "部分村集体", "物业服务企业", "志愿者队伍", "医务人员", "部分商户", "进城务工人员", "驻村工作队",
)
PROBLEMS = (
    "资金投入不足", "管理责任不明确", "日常维护跟不上", "专业人才短缺", "配套设施不完善", "宣传引导不够", "部门协同不顺畅", "监管手段单一",
    "政策落实打折扣", "群众参与度不高", "标准规范缺失", "信息共享不充分", "运营成本偏高", "服务覆盖面窄", "考核激励不到位", "历史欠账较多",
    "审批流程繁琐", "安全隐患突出", "基础数据不清", "长效机制尚未建立",
)
MEASURES = (
    "建立联席会议制度", "设立专项资金", "制定实施细则", "开展专项排查", "引入社会资本参与", "加强业务培训", "完善考核评价办法",
    "推行清单化管理", "搭建信息共享平台", "落实属地管理责任", "开展示范点建设", "畅通群众反映渠道", "加大执法检查力度", "健全日常巡查机制",
    "推动数字化改造", "实行以奖代补", "组织第三方评估", "强化督查问责",
)
DEPARTMENTS = (
    "县发展改革局", "县财政局", "县住建局", "县农业农村局", "县卫健局", "县教育局", "县民政局",
    "县市场监管局", "县交通运输局", "县生态环境分局", "各乡镇人民政府",
)
EFFECTS = ("群众意见较大", "影响了工作成效", "存在一定安全风险", "制约了长远发展", "群众获得感不强", "给日常生活带来不便", "工作推进较为缓慢")
SENTENCES = (
    "据调查，{place}现有{topic}相关点位{n}个，其中{m}个存在{problem}的情况。",
    "{subject}反映，{topic}中{problem}，{effect}。",
    "{place}在{topic}方面做了大量工作，但{problem}的问题依然存在。",
    "从走访情况看，{subject}普遍认为{problem}，{effect}。",
    "目前{topic}的覆盖率约为{n}%，与上级要求相比还有差距。",
    "近{k}年来，{place}累计投入资金{n}万元，但{problem}，{effect}。",
    "究其原因，一是{problem}，二是{problem2}。",
    "由于{problem}，{subject}的合理诉求难以得到及时回应。",
    "建议{department}牵头，{measure}，切实解决{topic}中{problem}的问题。",
    "建议{department}会同有关部门{measure}，并在{k}年内完成。",
    "要{measure}，把{topic}纳入年度重点工作，定期通报进展。",
    "同时，{measure}，推动{topic}由“有没有”向“好不好”转变。",
    "{department}应当{measure}，对{subject}反映的问题建立台账、限时办结。",
    "在{place}选取{m}个点先行试点，总结经验后在全县推广。",
)
# light rewrites swap these for each other; heavy rewrites also swap the connectives
SYNONYMS = {
    "群众": "老百姓", "反映": "表示", "存在": "出现", "问题": "难题", "建议": "提议", "加强": "强化", "完善": "健全", "推动": "推进",
    "目前": "当前", "资金": "经费", "部门": "单位", "工作": "事务", "情况": "现象", "落实": "执行", "及时": "迅速", "相关": "有关",
}
CONNECTIVES = {"据调查，": "经调研了解，", "究其原因，": "分析原因，", "同时，": "此外，", "由于": "因为", "从走访情况看，": "走访中发现，", "但": "然而"}
OPENING = "近来，{place}{topic}问题引起社会关注，{subject}多次反映，{effect}。"


@dataclass(frozen=True)
class Report:
    title: str
    topic: str
    sections: tuple[tuple[str, ...], ...]  # the sentences of the opening and of each of the three sections

    @property
    def body(self) -> str:
        return render(self.sections)


HEADINGS = ("## 一、存在的问题", "## 二、原因分析", "## 三、意见建议")


def render(sections: tuple[tuple[str, ...], ...]) -> str:
    parts = ["".join(sections[0])]
    for heading, sentences in zip(HEADINGS, sections[1:], strict=True):
        paragraphs = ["".join(sentences[i: i + 3]) for i in range(0, len(sentences), 3)]
        parts += [heading, *paragraphs]
    return "\n\n".join(parts) + "\n"


def _lexicon(seed: int, words: int) -> tuple[list[str], list[float]]:
    """Pseudo-words of 2–4 CJK characters from a 3,000-character alphabet, with Zipf weights: real reports' vocabulary
    is far larger than any slot list, and the test must not depend on the office's own items."""
    rng = random.Random(seed)
    alphabet = rng.sample([chr(c) for c in range(0x4E00, 0x9FA6)], 3000)
    char_weights = [1 / (r + 10) for r in range(len(alphabet))]
    made = ["".join(rng.choices(alphabet, char_weights, k=rng.choice((2, 2, 2, 3, 4)))) for _ in range(words)]
    return made, list(itertools.accumulate(1 / (r + 20) for r in range(words)))


WORDS, WORD_CUMULATIVE = _lexicon(15, 30_000)
TOPIC_WORDS = {topic: WORDS[300 + 150 * n: 450 + 150 * n] for n, topic in enumerate(TOPICS)}  # each topic's own words


def detail(rng: random.Random, topic: str) -> str:
    """A clause of the report's own facts: 3–7 words, about a third of them the topic's."""
    count = rng.randint(3, 7)
    general = rng.choices(WORDS, cum_weights=WORD_CUMULATIVE, k=count)
    return "".join(rng.choice(TOPIC_WORDS[topic]) if rng.random() < 0.35 else w for w in general)


def sentence(rng: random.Random, topic: str, place: str) -> str:
    problem, problem2 = rng.sample(PROBLEMS, 2)
    clauses = "".join(f"，{detail(rng, topic)}" for _ in range(rng.randint(1, 2)))
    return clauses[1:] + "，" + rng.choice(SENTENCES).format(
        place=place, topic=topic, problem=problem, problem2=problem2, subject=rng.choice(SUBJECTS), effect=rng.choice(EFFECTS),
        measure=rng.choice(MEASURES), department=rng.choice(DEPARTMENTS), n=rng.randint(12, 980), m=rng.randint(2, 40), k=rng.randint(2, 5),
    )


def report(rng: random.Random, topic: str | None = None, chars: int | None = None) -> Report:
    """A new report of about `chars` characters (300–3,000 when not given) on `topic` (any when not given)."""
    topic = topic or rng.choice(TOPICS)
    place = rng.choice(PLACES)
    target = chars or rng.randint(300, 3000)
    opening = OPENING.format(place=place, topic=topic, subject=rng.choice(SUBJECTS), effect=rng.choice(EFFECTS))
    sections: list[list[str]] = [[opening], [], [], []]
    size = len(opening)
    while size < target:
        made = sentence(rng, topic, place)
        sections[1 + len(made) % 3 if size > 60 else 1].append(made)
        size += len(made)
    title = f"关于{place}{topic}{rng.choice(['的建议', '问题亟待解决', '的几点建议', '亟待加强'])}"
    return Report(title, topic, tuple(tuple(s) for s in sections))


def _swap(text: str, table: dict[str, str], rng: random.Random, chance: float) -> str:
    for old, new in table.items():
        if old in text and rng.random() < chance:
            text = text.replace(old, new)
    return text


def _renumber(text: str, rng: random.Random) -> str:
    return "".join(str(rng.randint(0, 9)) if c.isdigit() else c for c in text)


def light(source: Report, rng: random.Random) -> Report:
    """Synonyms swapped in about half the sentences, numbers changed, some neighbouring sentences swapped."""
    sections = []
    for part in source.sections:
        sentences = [_renumber(_swap(s, SYNONYMS, rng, 0.5), rng) for s in part]
        for i in range(0, len(sentences) - 1, 2):
            if rng.random() < 0.3:
                sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
        sections.append(tuple(sentences))
    return Report(source.title.replace("的建议", "的几点建议"), source.topic, tuple(sections))


def heavy(source: Report, rng: random.Random) -> Report:
    """40–60 % of the sentences kept (synonyms and connectives swapped), the rest written anew, the order shuffled within sections."""
    place = rng.choice(PLACES)
    sections = []
    for part in source.sections:
        keep = rng.sample(part, max(1, round(len(part) * rng.uniform(0.4, 0.6)))) if part else []
        kept = [_swap(_swap(_renumber(s, rng), SYNONYMS, rng, 0.7), CONNECTIVES, rng, 0.9) for s in keep]
        new = [sentence(rng, source.topic, place) for s in part if rng.random() < 0.5]
        mixed = kept + new
        rng.shuffle(mixed)
        sections.append(tuple(mixed))
    return Report(f"关于{source.topic}的意见建议", source.topic, tuple(sections))


def partial(source: Report, rng: random.Random) -> Report:
    """A new report on the same topic with a third of `source`'s sentences, in one run, inside it."""
    flat = [s for part in source.sections[1:] for s in part]
    third = max(1, len(flat) // 3)
    start = rng.randint(0, len(flat) - third)
    taken = tuple(flat[start: start + third])
    host = report(rng, source.topic, chars=sum(map(len, flat)) * 2 // 3)
    problems = host.sections[1]
    cut = len(problems) // 2
    return Report(host.title, host.topic, (host.sections[0], problems[:cut] + taken + problems[cut:], *host.sections[2:]))


def copy(source: Report, rng: random.Random) -> Report:
    """The same text with other punctuation and line breaks (half-width, extra spaces): normalises to the same text."""
    body = tuple(tuple(s.replace("，", ", ").replace("。", ". ") for s in part) for part in source.sections)
    return Report(source.title, source.topic, body)


KINDS = {"copy": copy, "light": light, "heavy": heavy, "partial": partial}


@dataclass(frozen=True)
class Case:
    kind: str  # copy, light, heavy, partial or unrelated
    source: str  # the id of the report it was made from ("" for unrelated)
    report: Report


def make_test_set(seed: int, archive: int, per_kind: int) -> tuple[list[similar.Record], list[Case]]:
    """An archive of `archive` reports and, for `per_kind` of them, each kind of derived report; as many unrelated same-topic reports."""
    rng = random.Random(seed)
    reports = [report(rng) for _ in range(archive)]
    records = [similar.Record(f"R{n:05d}", r.title, r.body) for n, r in enumerate(reports)]
    cases = []
    for n in rng.sample(range(archive), per_kind):
        for kind, make in KINDS.items():
            cases.append(Case(kind, records[n].id, make(reports[n], rng)))
        cases.append(Case("unrelated", "", report(rng, reports[n].topic)))
    return records, cases


def measure(index: similar.Index, cases: list[Case]) -> dict[str, list[tuple[float, bool]]]:
    """Per kind: (the best score, whether the best match is the true source) of each case."""
    found: dict[str, list[tuple[float, bool]]] = {}
    for case in cases:
        best = index.query(case.report.body, case.report.title, limit=1)[0]
        found.setdefault(case.kind, []).append((best.score, best.id == case.source))
    return found


# --- the tests ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def measured() -> tuple[similar.Index, list[Case], dict[str, list[tuple[float, bool]]]]:
    records, cases = make_test_set(seed=15, archive=400, per_kind=40)
    index = similar.Index(records)
    return index, cases, measure(index, cases)


def test_normalize_drops_what_a_copy_may_change() -> None:
    text = "## 一、存在的问题\n\n据调查，全县现有１２３个点位。\n\n## 三、意见建议\n\n【请提出具体、可行的建议。】建议 ABC 牵头。"
    assert similar.normalize(text) == "据调查全县现有个点位建议abc牵头"
    assert similar.normalize("（一）存在的问题：\n资金不足") == "资金不足"


def test_the_empty_item_template_normalises_to_nothing() -> None:
    template = (Path(similar.__file__).parent / "defaults" / "item.md.j2").read_text("utf-8")
    body = template.split("\n---\n", 1)[1]
    assert "存在的问题" in body
    assert similar.normalize(body) == ""


def test_title_core_strips_the_boilerplate() -> None:
    assert similar.title_core("关于加强农村生活污水治理的建议") == "农村生活污水治理"
    assert similar.title_core("农村生活污水治理问题亟待解决") == "农村生活污水治理"
    assert similar.title_ratio("关于农村生活污水治理的几点建议", "农村生活污水治理问题亟待解决") == 100
    # the same topic in other places: alike, not equal; an other topic: far apart
    assert 60 < similar.title_ratio("关于青山镇老旧小区加装电梯的建议", "关于临河镇老旧小区加装电梯的建议") < 100
    assert similar.title_ratio("关于老旧小区加装电梯的建议", "关于中小企业融资的建议") < 30


def test_copies_and_rewrites_are_found_and_unrelated_reports_are_not(measured: tuple[similar.Index, list[Case], dict[str, list[tuple[float, bool]]]]) -> None:
    _, _, found = measured
    for kind in KINDS:
        scores = [s for s, _ in found[kind]]
        assert min(scores) >= similar.SIMILAR, (kind, sorted(scores)[:5])  # recall 100 % at 相似
        assert all(first for _, first in found[kind]), kind  # the true source ranked first
    assert max(s for s, _ in found["unrelated"]) < similar.SIMILAR  # no false alarm
    # copies and light rewrites are 疑似重复; so are no unrelated reports nor partial copies
    assert min(s for s, _ in found["copy"]) > 0.99
    assert min(s for s, _ in found["light"]) >= similar.DUPLICATE
    assert max(s for s, _ in found["partial"]) < similar.DUPLICATE
    assert max(s for s, _ in found["heavy"]) < similar.DUPLICATE
    # the margin on both sides of 相似: the weakest rewrite and the strongest unrelated report are far from it
    assert min(s for kind in KINDS for s, _ in found[kind]) > similar.SIMILAR + 0.05
    assert max(s for s, _ in found["unrelated"]) < similar.SIMILAR / 2


def test_query_reports_verdicts_and_title_ratio(measured: tuple[similar.Index, list[Case], dict[str, list[tuple[float, bool]]]]) -> None:
    index, cases, _ = measured
    case = next(c for c in cases if c.kind == "light")
    matches = index.query(case.report.body, case.report.title, limit=5)
    assert len(matches) == 5
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    assert matches[0].id == case.source
    assert matches[0].verdict == similar.DUPLICATE_VERDICT
    assert matches[0].title_ratio == 100  # 的建议 → 的几点建议: boilerplate only
    assert {m.verdict for m in matches[1:]} == {similar.DISSIMILAR_VERDICT}
    assert index.query(case.report.body, limit=3, exclude=[case.source])[0].id != case.source


def test_passages_found_for_copies_and_none_for_unrelated(measured: tuple[similar.Index, list[Case], dict[str, list[tuple[float, bool]]]]) -> None:
    index, cases, _ = measured
    for case in cases:
        source = index.text_of(case.source) if case.source else ""
        if case.kind == "copy":
            shared = similar.passages(case.report.body, source, normalized=False)
            assert len(shared) == 1
            assert shared[0].text == source
        elif case.kind == "partial":
            shared = index.passages(case.report.body, case.source)
            assert shared
            assert sum(len(p.text) for p in shared) >= len(source) // 5
        elif case.kind in ("light", "heavy"):
            assert index.passages(case.report.body, case.source), case.kind
        elif case.kind == "unrelated":
            best = index.query(case.report.body, limit=1)[0]
            assert index.passages(case.report.body, best.id) == []
            # what the bare passages of such a pair share is the office's set phrases
            assert all(index.is_boilerplate(p.text) for p in similar.passages(case.report.body, index.text_of(best.id)))
    for p in similar.passages(cases[1].report.body, index.text_of(cases[1].source)):
        assert len(p.text) >= similar.MIN_PASSAGE
        assert p.text in p.a
        assert p.text in p.b


def test_empty_index_and_short_texts() -> None:
    assert similar.Index([]).query("任何文字") == []
    index = similar.Index([similar.Record("A", "关于甲的建议", "甲乙丙丁戊己庚辛壬癸子丑寅卯")])
    assert index.query("甲乙丙丁戊己庚辛壬癸子丑寅卯")[0].score == pytest.approx(1.0, abs=1e-4)
    assert index.query("完全不同的文字") == []  # nothing shared: no match
    assert index.query("１２３，。") == []  # nothing left once normalised
    assert similar.passages("甲乙丙丁", "甲乙丙丁") == []  # shorter than MIN_PASSAGE


def test_neighbours_of_every_report_are_what_each_query_finds() -> None:
    """`neighbours` (all reports at once, scoring only pairs that share rare n-grams) lists what `query` and `titles`
    list for each report at 相似 and above: the same reports, scores and verdicts."""
    records, cases = make_test_set(seed=16, archive=300, per_kind=20)
    records += [similar.Record(f"C{n:03d}", c.report.title, c.report.body) for n, c in enumerate(cases)]
    records.append(similar.Record("U1", records[0].title, "", "upstream"))  # a title-only entry of a list
    index = similar.Index(records)
    at_once = index.neighbours(range(len(records)), limit=5)
    pairs = 0
    for n, record in enumerate(records):
        if not record.body:
            continue
        by_text = [m for m in index.query(record.body, record.title, 5, exclude=[record.id]) if m.score >= similar.SIMILAR]
        by_title = index.titles(record.title, 5, exclude=[record.id, *(m.id for m in by_text)])
        expected = [(m.id, round(m.score, 3), m.verdict) for m in by_text] + [(m.id, m.title_ratio, m.verdict) for m in by_title]
        found = [(m.id, round(m.score, 3) if m.verdict != similar.TITLE_VERDICT else m.title_ratio, m.verdict) for m in at_once[n]]
        assert found == [(i, pytest.approx(v, abs=1e-3), w) for i, v, w in expected], record.id
        pairs += len(by_text)
    assert pairs >= 4 * 20 * 2  # every derived report and its source, found both ways
    upstream_only = index.neighbours([0], limit=5, only=["upstream"])[0]
    assert [(m.id, m.verdict) for m in upstream_only] == [("U1", similar.TITLE_VERDICT)]
