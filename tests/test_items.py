"""Items as data: the digest a review binds to, and the packed form the local cache keeps."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from sqmy import items
from sqmy.items import Adoption, Feedback, Forwarded, Imported, Instruction, Item, Journal, Review, Sent, Solved, Transfer
from sqmy.load import load_all
from sqmy.paths import Repo

D = dt.date(2025, 3, 14)


def full_item() -> Item:
    """An item with every field set, every record kind, and feedback both present and absent."""
    return Item(
        id="2025-0314-a-1", path="items/2025/2025-0314-a-1.md", title="关于某事的建议", authors=("a", "b"), unit="u", submitted=D,
        category="社区管理", focus="民之关切", source="提案转化", audience="公开", body="正文\n\n## 意见建议\n\n建议。", body_line=20,
        key_topic="kt", source_ref="提案第 12 号", imported=Imported(D, "旧系统"),
        reviews=(Review("初审", "c", "联合复核", D, "sha256:" + "0" * 64, "请专家看", ("e1", "e2")), Review("联合复核", "e1", "通过", D, "d")),
        routes=("直报", "转办"), journal=Journal(2025, 3, "abcdef"),
        sent=(Sent("直报", "市政协办公室", D), Sent("参阅", "县委办", D + dt.timedelta(days=1))),
        adoptions=(Adoption("市政协", D, "第 12 期", "综合采用", "e" * 64),),
        instructions=(Instruction("县委", "主要领导", D, "请研究", ("dept",), Feedback(D, "已落实", "已办")),
                      Instruction("市委", "分管领导", D, update="f" * 64)),
        transfers=(Transfer("dept", D, D + dt.timedelta(days=30), "〔2025〕1号", None), Transfer("dept2", D, D, "", Feedback(D, "部分落实"))),
        solved=(Solved(D, "解决了"),),
        forwarded_from=Forwarded("yangben-xian", "2025-0101-a-1", "a" * 64, 2, "b" * 40, "c" * 64, "样本县政协", ("张三", "李四"), "城关联络组"),
    )


def test_pack_round_trips_every_field() -> None:
    item = full_item()
    assert items.unpack(items.pack(item)) == item
    bare = Item("2025-0101-x-1", "items/2025/2025-0101-x-1.md", "t", ("a",), "u", None, "c", "f", "s", "内部", "", 1)
    assert items.unpack(items.pack(bare)) == bare


def test_pack_knows_every_field_of_every_record() -> None:
    """A field added to a dataclass without pack/unpack would be lost from cached items: this names the fields they handle."""
    handled = {
        Item: "id path title authors unit submitted category focus source audience body body_line key_topic source_ref imported reviews routes "
              "journal sent adoptions instructions transfers solved forwarded_from",
        Review: "stage by decision date digest comment experts duplicate", Journal: "year issue token", Adoption: "level date ref mode update",
        Instruction: "level leader date summary assigned feedback update", Transfer: "to date due letter feedback", Feedback: "date result summary",
        Solved: "date summary", Imported: "date note", Sent: "route to date",
        Forwarded: "office item bundle sequence commit sha256 office_name authors unit",
    }
    for kind, names in handled.items():
        assert [f.name for f in dataclasses.fields(kind)] == names.split(), kind.__name__


def test_every_sample_item_round_trips(office: Path) -> None:
    loaded = load_all(Repo(office), dt.date(2026, 11, 28))
    assert loaded.items
    for item in loaded.items:
        assert items.unpack(items.pack(item)) == item


def test_the_digest_computed_by_the_check_is_kept_and_is_the_items_own(office: Path) -> None:
    """The check computes the digest of an item with reviews (is its approval for this text?): the Item and its packed
    form keep it, so that status and statistics need not compute it again, and it is what Item.digest would compute."""
    loaded = load_all(Repo(office), dt.date(2026, 11, 28))
    reviewed = [i for i in loaded.items if i.reviews]
    assert reviewed
    for item in reviewed:
        assert item.__dict__["digest"] == items.content_digest(item.title, item.body)
        assert items.unpack(items.pack(item)).__dict__["digest"] == item.__dict__["digest"]
    unreviewed = dataclasses.replace(reviewed[0], reviews=())
    assert "digest" not in unreviewed.__dict__
    assert "digest" not in items.unpack(items.pack(unreviewed)).__dict__
    assert items.unpack(items.pack(unreviewed)).digest == reviewed[0].digest  # computed when asked


def test_loading_one_issues_items_keeps_every_finding_and_issue(demo: Path) -> None:
    """load_all(only=…) loads the items of the issues it accepts; findings and the office's issues are the whole office's."""
    day = dt.date(2026, 11, 28)
    whole = load_all(Repo(demo), day)
    issues = {(i.journal.year, i.journal.issue) for i in whole.items if i.journal}
    assert len(issues) > 1
    assert whole.issues == issues
    year, number = min(issues)
    one = load_all(Repo(demo), day, only=lambda j: (j.year, j.issue) == (year, number))
    assert one.items == [i for i in whole.items if i.journal and (i.journal.year, i.journal.issue) == (year, number)]
    assert one.issues == whole.issues
    assert one.findings == whole.findings
