"""`sqmy import`: Word files in the layouts members use become valid items.

The Word files are made here, with python-docx (and with LibreOffice when it is
installed), so that no binary file is kept in the repository. The stages are
tested on their own in tests/test_intake_*.py.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH

from .conftest import Invoke

PHONE = "13812345678"
ID_NUMBER = "110101199003071234"

Build = Callable[..., Path]


def _items(office: Path) -> list[Path]:
    return sorted((office / "items").glob("2026/*.md"))


def _front(path: Path) -> str:
    return path.read_text("utf-8").split("---")[1]


@pytest.fixture
def word(tmp_path: Path) -> Build:
    """Writes a .docx from (kind, text) pairs: kind is a style name, "bold", "centred", or "" for a plain paragraph."""

    def build(name: str, *paragraphs: tuple[str, str]) -> Path:
        document = docx.Document()
        for kind, text in paragraphs:
            if kind in ("bold", "centred", ""):
                paragraph = document.add_paragraph()
                run = paragraph.add_run(text)
                if kind == "bold":
                    run.bold = True
                if kind == "centred":
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            else:
                document.add_paragraph(text, style=kind)
        path = tmp_path / "in" / name
        path.parent.mkdir(exist_ok=True)
        document.save(str(path))
        return path

    return build


def _title_style_reporter_at_end(word: Build) -> Path:
    """Layout 1: Word's Title style, Heading 1 sections, 反映人 and phone on one line at the end."""
    return word(
        "电梯.docx",
        ("Title", "关于加快老旧小区加装电梯的建议"),
        ("", "城关街道有老旧小区 23 个，社区居民加装电梯的呼声很高。"),
        ("Heading 1", "一、存在的问题"),
        ("", "（单位：万元）"),  # a 单位 line inside the body is body text
        ("", "（一）意见难统一。低层住户担心采光，社区协调难度大。"),
        ("", f"（二）资金缺口大。有居民反映可联系 {PHONE} 咨询，身份证号 {ID_NUMBER} 的住户已出资。"),
        ("bold", "二、意见建议"),
        ("List Bullet", "制定加装电梯协商指引"),
        ("List Bullet", "设立社区协商议事会"),
        ("List Number", "由县住建局明确补贴标准"),
        ("List Number", "由街道组织社区开展评估"),
        ("", ""),
        ("", f"反映人：李初  联系电话：{PHONE}"),
        ("", "单位：社法委"),
    )


def _bold_title_reporter_under_title(word: Build) -> Path:
    """Layout 2: a plain centred bold first paragraph; 反映人, 单位, 电话 under it; numbered sections as bold paragraphs."""
    return word(
        "养老.docx",
        ("centred", "关于发展社区嵌入式养老服务的建议"),
        ("", "反映人：张薇（县政协委员，某局副局长）"),
        ("", "单位：城关联络组"),
        ("", "联系电话：139 0000 0001"),
        ("", "我县 60 岁以上老人占比已达 24%，养老服务供给不足。"),
        ("bold", "一、存在的问题"),
        ("bold", "（一）设施不足"),
        ("", "城区养老机构床位紧张。"),
        ("bold", "二、意见建议"),
        ("List Number", "在新建小区配建养老服务用房"),
        ("List Number", "引入专业机构运营"),
    )


def test_title_style_layout(office: Path, sqmy: Invoke, word: Build) -> None:
    people_before = (office / "units" / "people.yml").read_text("utf-8")
    result = sqmy("import", str(_title_style_reporter_at_end(word)))
    assert result.exit_code == 0, result.output
    [path] = _items(office)
    assert result.stdout == f"items/2026/{path.name}\n"
    text = path.read_text("utf-8")
    front = _front(path)
    assert "title: 关于加快老旧小区加装电梯的建议" in front
    assert "authors: [li-chu]" in front
    assert "unit: shefawei" in front  # 社法委 is the unit's short name
    assert "submitted: 2026-11-28" in front
    assert "category: 社区管理" in front  # 社区 appears often: guessed
    assert "focus: 民之关切" in front
    assert "source: 委员调研" in front
    assert "audience: 内部" in front
    body = text.split("---", 2)[2]
    assert "## 一、存在的问题\n" in body
    assert "## 二、意见建议\n" in body
    assert "（一）意见难统一。" in body
    assert "\n（单位：万元）\n" in body
    assert "- 制定加装电梯协商指引\n- 设立社区协商议事会\n" in body  # a tight list
    assert "1. 由县住建局明确补贴标准\n2. 由街道组织社区开展评估\n" in body
    assert "反映人" not in body
    assert "社法委" not in body
    assert "关于加快" not in body
    assert PHONE not in text
    assert ID_NUMBER not in text
    assert not re.search(r"[0-9]{11}", text)
    assert "（号码已删除）" in body
    assert "已从正文中删除手机号码（138****5678）、身份证号码（110***********1234）" in result.stderr  # in the order written
    assert "选题类别按关键词推断为“社区管理”" in result.stderr
    assert "选题重点默认为“民之关切”" in result.stderr
    # 李初 had no phone: it is registered, one line added to her entry, nothing else changed
    people_after = (office / "units" / "people.yml").read_text("utf-8")
    line = f'  phone: "{PHONE}"\n'
    assert people_after.replace(line, "", 1) == people_before
    entry = people_after.split("- id: li-chu\n")[1].split("\n- ")[0]
    assert line in entry + "\n"
    assert "已把李初的联系电话（138****5678）登记到 units/people.yml" in result.stderr
    check = sqmy("validate")
    assert check.exit_code == 0, check.output


def test_bold_title_layout_with_unit_under_title(office: Path, sqmy: Invoke, word: Build) -> None:
    people_before = (office / "units" / "people.yml").read_bytes()
    result = sqmy("import", str(_bold_title_reporter_under_title(word)))
    assert result.exit_code == 0, result.output
    [path] = _items(office)
    front = _front(path)
    assert "title: 关于发展社区嵌入式养老服务的建议" in front
    assert "authors: [zhang-wei]" in front
    assert "unit: chengguan-lianluozu" in front
    assert "单位“城关联络组”按“城关委员联络组”（chengguan-lianluozu）处理" in result.stderr
    assert "category: 养老服务" in front
    body = path.read_text("utf-8").split("---", 2)[2]
    assert body.startswith("\n我县 60 岁以上老人占比已达 24%")
    assert "## 一、存在的问题\n\n### （一）设施不足\n" in body
    assert "1. 在新建小区配建养老服务用房\n2. 引入专业机构运营" in body
    assert "13900000001" not in path.read_text("utf-8")
    assert "县政协委员" not in body
    # the registry has the same number (written with spaces in the file): nothing to say, nothing changed
    assert "电话" not in result.stderr
    assert (office / "units" / "people.yml").read_bytes() == people_before
    assert sqmy("validate", str(path)).exit_code == 0


def test_several_authors_and_options(office: Path, sqmy: Invoke, word: Build) -> None:
    source = word(
        "两人.docx",
        ("Heading 1", "关于规范小区停车的建议"),
        ("", "张薇、王复"),
        ("Heading 2", "一、存在的问题"),
        ("", "车位不足。"),
    )
    result = sqmy("import", str(source), "--category", "社区管理", "--focus", "政之要务", "--source", "群众反映", "--audience", "公开", "--draft")
    assert result.exit_code == 0, result.output
    [path] = _items(office)
    front = _front(path)
    assert "authors: [zhang-wei, wang-fu]" in front
    assert "unit: chengguan-lianluozu" in front  # the first author's unit
    assert "category: 社区管理" in front
    assert "focus: 政之要务" in front
    assert "source: 群众反映" in front
    assert "audience: 公开" in front
    assert "submitted: \n" in front
    assert "## 一、存在的问题" in path.read_text("utf-8")
    assert "推断" not in result.stderr
    assert "默认" not in result.stderr


def test_letterhead_two_line_title_subtitle_and_date(office: Path, sqmy: Invoke, word: Build) -> None:
    source = word(
        "长标题.docx",
        ("centred", "社情民意信息"),
        ("Title", "关于进一步加强农村生态环保"),
        ("Title", "基础设施建设的建议"),
        ("Subtitle", "——以城关镇为例"),
        ("", "反映人：张 薇　王复"),  # a two-character name padded to line up, as members type it
        ("", "近年来，我县农村基础设施建设取得进展。"),
        ("", "一、存在的问题"),
        ("", "设施运维经费不足。"),
        ("", ""),
        ("", "2026年11月20日"),
    )
    result = sqmy("import", str(source))
    assert result.exit_code == 0, result.output
    [path] = _items(office)
    text = path.read_text("utf-8")
    assert "title: 关于进一步加强农村生态环保基础设施建设的建议" in text
    assert "authors: [zhang-wei, wang-fu]" in text
    assert "category: 生态环保" in text
    body = text.split("---", 2)[2]
    assert body == "\n——以城关镇为例\n\n近年来，我县农村基础设施建设取得进展。\n\n## 一、存在的问题\n\n设施运维经费不足。\n"
    assert "标题之前的 1 段未导入：“社情民意信息”" in result.stderr


def test_an_item_the_validator_refuses_is_not_kept(office: Path, sqmy: Invoke, word: Build) -> None:
    people = (office / "units" / "people.yml").read_bytes()
    result = sqmy("import", str(_title_style_reporter_at_end(word)), "--key-topic", "no-such-topic")
    assert result.exit_code == 1
    assert "生成的信息未通过检查，未写入" in result.stderr
    assert "no-such-topic" in result.stderr
    assert _items(office) == []
    assert not (office / "items" / "2026").exists()
    assert (office / "units" / "people.yml").read_bytes() == people  # the phone waits for an item that is kept


def test_registry_phone_differs_is_reported_not_changed(office: Path, sqmy: Invoke, word: Build) -> None:
    people = office / "units" / "people.yml"
    before = people.read_bytes()
    source = word("电话.docx", ("Title", "关于整治河道垃圾的建议"), ("", "河道垃圾多，影响生态环保。"), ("", f"反映人：张薇  电话：{PHONE}"))
    result = sqmy("import", str(source))
    assert result.exit_code == 0, result.output
    assert "警告：文件中张薇的联系电话（138****5678）与人员名册登记的（139****0001）不同；名册未修改" in result.stderr
    assert people.read_bytes() == before
    assert PHONE not in _items(office)[0].read_text("utf-8")


def test_unknown_reporter_proposes_an_entry_and_writes_nothing(office: Path, sqmy: Invoke, word: Build) -> None:
    people = office / "units" / "people.yml"
    before = people.read_bytes()
    source = word(
        "新人.docx",
        ("Title", "关于改善社区养老服务的建议"),
        ("", "正文。"),
        ("", f"反映人：钱多多（县政协委员）  联系电话：{PHONE}"),
        ("", "单位：城关委员联络组"),
    )
    result = sqmy("import", str(source))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "新人.docx：反映人“钱多多”不在人员名册（units/people.yml）中，未导入" in result.stderr
    snippet = result.stderr.split("指定其编号：\n")[1]
    assert snippet.splitlines() == [
        '- id: ""                # 填姓名拼音，如 zhang-san',
        "  name: 钱多多",
        "  kind: 委员                # 委员、机关干部、特约信息员或专家",
        "  unit: chengguan-lianluozu",
        "  title: 县政协委员",
        f'  phone: "{PHONE}"',
    ]
    assert _items(office) == []
    assert people.read_bytes() == before
    # --author asserts who wrote it: the file is imported, and the difference is said
    forced = sqmy("import", str(source), "--author", "zhang-wei")
    assert forced.exit_code == 0, forced.output
    assert "文件中写的反映人是“钱多多”，已按 --author 记为 张薇（zhang-wei）" in forced.stderr
    assert "authors: [zhang-wei]" in _front(_items(office)[0])
    assert people.read_bytes() == before  # the phone is 钱多多's, not 张薇's


def test_no_title_or_no_reporter_is_refused(office: Path, sqmy: Invoke, word: Build) -> None:
    untitled = word("无标题.docx", ("", "这是一段很长的正文，没有标题，也没有居中或加粗的第一段，所以找不到标题，应当报告出来而不是乱猜一个标题写进信息。"))
    anonymous = word("无名.docx", ("Title", "关于社区管理的建议"), ("", "正文。"))
    result = sqmy("import", str(untitled), str(anonymous))
    assert result.exit_code == 1
    assert "无标题.docx：找不到标题" in result.stderr
    assert "无名.docx：文件中没有找到反映人" in result.stderr
    assert _items(office) == []


def test_unreadable_files_are_named_and_the_others_imported(office: Path, sqmy: Invoke, word: Build, tmp_path: Path) -> None:
    good = _bold_title_reporter_under_title(word)
    corrupt = tmp_path / "坏.docx"
    corrupt.write_bytes(good.read_bytes()[:300])  # a zip cut short
    old = tmp_path / "旧.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    text = tmp_path / "文本.docx"
    text.write_text("不是 Word", "utf-8")
    result = sqmy("import", str(corrupt), str(old), str(tmp_path / "没有.docx"), str(text), str(good))
    assert result.exit_code == 1
    assert "坏.docx：文件已损坏或不是 Word 文档（.docx），无法读取" in result.stderr
    assert "旧.doc：这是旧版 Word 格式（.doc / .wps）或加了密码的文件；请在 Word 或 WPS 中“另存为”Word 文档（.docx）" in result.stderr
    assert "没有.docx：找不到这个文件" in result.stderr
    assert "文本.docx：不是 Word 文档（.docx）" in result.stderr
    assert "共 5 个文件：新导入 1 个，已有 0 个，失败 4 个" in result.stderr
    assert len(_items(office)) == 1
    assert result.stdout.count("\n") == 1


def test_importing_twice_makes_one_item(office: Path, sqmy: Invoke, word: Build) -> None:
    source = _title_style_reporter_at_end(word)
    first = sqmy("import", str(source))
    people = (office / "units" / "people.yml").read_bytes()
    second = sqmy("import", str(source))
    assert second.exit_code == 0, second.output
    assert second.stdout == first.stdout  # the same item, found again
    assert "信息库中已有相同的信息" in second.stderr
    assert "未重复导入" in second.stderr
    assert len(_items(office)) == 1
    assert (office / "units" / "people.yml").read_bytes() == people
    # the same file given twice in one run: also one item
    (office / "items" / "2026").joinpath(first.stdout.strip().split("/")[-1]).unlink()
    both = sqmy("import", str(source), str(source))
    assert both.exit_code == 0
    assert len(_items(office)) == 1


def test_bad_options_are_usage_errors(office: Path, sqmy: Invoke, word: Build) -> None:
    source = _bold_title_reporter_under_title(word)
    result = sqmy("import", str(source), "--author", "nobody", "--category", "交通")
    assert result.exit_code == 2
    assert "反映人“nobody”不在人员名册中" in result.stderr
    assert "选题类别“交通”不在清单中" in result.stderr
    assert sqmy("import").exit_code == 2
    assert _items(office) == []


def test_libreoffice_document(office: Path, sqmy: Invoke, tmp_path: Path) -> None:
    """A document made by LibreOffice (as WPS and LibreOffice users send them): HTML headings and lists through Writer."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("没有安装 LibreOffice（soffice），跳过用 LibreOffice 生成 Word 文件的测试")
    html = tmp_path / "充电.html"
    html.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>x</title></head><body>"
        "<p align='center'><b>关于规范电动自行车充电的建议</b></p>"
        "<p align='center'>反映人：张薇（县政协委员）　单位：城关委员联络组</p>"
        "<p>近年来社区电动自行车保有量快速增长，社区管理压力大。</p>"
        "<h2>一、存在的问题</h2><ul><li>充电桩数量不足</li><li>飞线充电普遍</li></ul>"
        "<h2>二、意见建议</h2><ol><li>增建集中充电设施</li><li>开展专项整治</li></ol>"
        "<p>联系电话：13900000001</p></body></html>",
        "utf-8",
    )
    out = tmp_path / "lo"
    profile = (tmp_path / "lo-profile").as_uri()  # its own profile: another soffice may be running
    done = subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--infilter=HTML (StarWriter)", "--convert-to", "docx", "--outdir", str(out), str(html)],
        capture_output=True, timeout=180, check=False,
    )
    source = out / "充电.docx"
    assert source.is_file(), done.stderr.decode("utf-8", "replace")
    result = sqmy("import", str(source))
    assert result.exit_code == 0, result.output
    [path] = _items(office)
    text = path.read_text("utf-8")
    assert "title: 关于规范电动自行车充电的建议" in text
    assert "authors: [zhang-wei]" in text
    assert "unit: chengguan-lianluozu" in text
    assert "## 一、存在的问题\n\n- 充电桩数量不足\n- 飞线充电普遍\n" in text
    assert "1. 增建集中充电设施\n2. 开展专项整治" in text
    assert "13900000001" not in text
    assert "反映人" not in text.split("---", 2)[2]
    assert sqmy("validate").exit_code == 0


def test_phones_in_a_grouped_or_international_form_are_registered_plainly(office: Path, sqmy: Invoke, word: Build) -> None:
    """+86 139 1234 5678 on the 反映人 line is 李初's phone: registered as 11 digits, never written into the item."""
    source = word(
        "路灯.docx",
        ("Title", "关于完善背街小巷路灯设施的建议"),
        ("", "城区背街小巷路灯缺失，居民夜间出行不便。座机（0571）8765 4321 的值班室常接到反映。"),
        ("", "反映人：李初  手机：+86 139 1234 5678"),
    )
    result = sqmy("import", str(source), "--category", "社区管理")
    assert result.exit_code == 0, result.output
    [path] = _items(office)
    text = path.read_text("utf-8")
    assert "8765 4321" not in text
    assert "1234 5678" not in text
    assert "值班室" in text
    assert "已从正文中删除固定电话（057*****4321）" in result.stderr
    assert 'phone: "13912345678"' in (office / "units" / "people.yml").read_text("utf-8")


def test_import_refuses_a_linked_items_folder(office: Path, sqmy: Invoke, word: Build, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (office / "items" / "2026").symlink_to(elsewhere, target_is_directory=True)
    result = sqmy("import", str(_title_style_reporter_at_end(word)))
    assert result.exit_code == 1
    assert "items/2026 是符号链接：sqmy 不通过链接写入信息" in result.stderr
    assert list(elsewhere.iterdir()) == []
