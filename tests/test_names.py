"""Units and people by their id, full name or short name wherever a command takes them; ambiguity is an error."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from sqmy import registry
from sqmy.errors import Refused
from sqmy.paths import Repo

from .conftest import Invoke
from .gitoffice import Office
from .test_audit import approved


def test_a_unit_by_its_id_full_name_or_short_name(office: Path) -> None:
    reg, _ = registry.load(Repo(office))
    for given in ("xian-zhujianju", "样本县住房和城乡建设局", "县住建局", " 县住建局 "):
        assert reg.unit_named(given) == "xian-zhujianju"
    with pytest.raises(Refused) as unknown:
        reg.unit_named("县住房局")
    assert unknown.value.rule == "unknown-unit"
    assert "单位“县住房局”不在单位名册中" in unknown.value.message
    with pytest.raises(Refused) as outside:  # a name outside the units allowed here
        reg.unit_named("社法委", among={"xian-zhujianju"}, what="承办单位")
    assert "承办单位“社法委”不在单位名册中" in outside.value.message
    twin = dataclasses.replace(reg.units["chengguan-lianluozu"], id="chengguan-2", short="县住建局")
    doubled = dataclasses.replace(reg, units={**reg.units, twin.id: twin})
    with pytest.raises(Refused) as ambiguous:
        doubled.unit_named("县住建局")
    assert ambiguous.value.rule == "ambiguous-unit"
    assert "样本县住房和城乡建设局（xian-zhujianju）" in ambiguous.value.message
    assert "城关委员联络组（chengguan-2）" in ambiguous.value.message


def test_a_person_by_id_or_name_and_namesakes_listed(office: Path) -> None:
    reg, _ = registry.load(Repo(office))
    assert reg.person_named("李初") == reg.person_named("li-chu") == "li-chu"
    namesake = dataclasses.replace(reg.people["zhang-wei"], id="li-chu-2", name="李初")
    doubled = dataclasses.replace(reg, people={**reg.people, namesake.id: namesake})
    with pytest.raises(Refused) as ambiguous:
        doubled.person_named("李初", "反映人")
    assert "反映人“李初”有 2 位同名" in ambiguous.value.message
    assert "（城关委员联络组，li-chu-2）" in ambiguous.value.message
    assert doubled.person_named("li-chu-2") == "li-chu-2"  # the id always works


def test_commands_take_names(office: Path, sqmy: Invoke) -> None:
    made = sqmy("new", "--title", "关于规范小区停车的建议", "--author", "张薇", "--unit", "城关委员联络组", "--category", "社区管理",
                "--focus", "民之关切", "--source", "群众反映")
    assert made.exit_code == 0, made.output
    text = (office / made.stdout.strip()).read_text("utf-8")
    assert "authors: [zhang-wei]" in text
    assert "unit: chengguan-lianluozu" in text
    by_name = sqmy("status", "--for", "李初", "--format", "json")
    assert by_name.exit_code == 0, by_name.output
    assert json.loads(by_name.stdout) == json.loads(sqmy("status", "--for", "li-chu", "--format", "json").stdout)
    wrong = sqmy("new", "--title", "关于规范小区停车的建议", "--author", "张伟", "--unit", "城关委员联络组", "--category", "社区管理",
                 "--focus", "民之关切", "--source", "群众反映")
    assert wrong.exit_code == 2
    assert "反映人“张伟”不在人员名册中" in wrong.stderr


def test_a_transfer_to_a_unit_by_its_short_name(git_office: Office) -> None:
    o = git_office
    item = approved(o)  # routed 转办
    done = o.sqmy("li-chu", "record", item, "transfer", "--to", "县住建局")  # li-chu holds the office role too
    assert done.exit_code == 0, done.output
    assert o.data(item)["transfers"][0]["to"] == "xian-zhujianju"  # type: ignore[index]


def test_a_record_kind_by_its_chinese_name(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    assert o.review("li-chu", item, "初审", "通过").exit_code == 0
    assert o.review("zhao-fu", item, "复审", "通过").exit_code == 0
    assert o.review("chen-shen", item, "审定", "通过", "--route", "直报").exit_code == 0
    done = o.sqmy("li-chu", "record", item, "报送", "--route", "直报", "--to", "市政协办公室")
    assert done.exit_code == 0, done.output
    assert o.data(item)["sent"][0]["to"] == "市政协办公室"  # type: ignore[index]
