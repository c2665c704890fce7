"""`sqmy intake`: a report submitted through the issue form becomes an item on a branch of its own, in a real
local Git office; the forms are checked against GitHub's schema and Gitea's own rules."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import docx
import pytest
import yaml
from click.testing import CliRunner, Result

from sqmy import issueform
from sqmy.cli import main
from sqmy.intake.issue import parse_form, resolve
from sqmy.paths import Repo
from sqmy.registry import load as load_registry

from .conftest import REPO, SAMPLES
from .gitoffice import Office
from .test_workflows import clone, run_step, tool

ISSUES = SAMPLES / "issues"
PHONE = "13912345678"
BRANCH = "intake/issue-12"


def event(name: str = "github-opened.json", **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ISSUES / name).read_text("utf-8"))
    issue = data["issue"]
    for key, value in changes.items():
        issue[key] = value
    return data


def with_answer(data: dict[str, Any], label: str, value: str) -> dict[str, Any]:
    data = copy.deepcopy(data)
    body = data["issue"]["body"]
    pattern = re.compile(rf"(### {re.escape(label)}\n\n)(.*?)(\n\n### |\n?$)", re.S)
    data["issue"]["body"] = pattern.sub(lambda m: m.group(1) + (value or "_No response_") + m.group(3), body, count=1)
    return data


def save(tmp: Path, data: dict[str, Any], name: str = "event.json") -> Path:
    path = tmp / name
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return path


def intake(o: Office, path: Path, *args: str) -> tuple[Result, dict[str, Any]]:
    result = CliRunner().invoke(main, ["intake", str(path), "--format", "json", *args], catch_exceptions=False)
    data = json.loads(result.stdout) if result.stdout.strip().startswith("{") else {}
    return result, data


def branch_item(o: Office, item: str) -> str:
    return o.git("show", f"{BRANCH}:items/{item[:4]}/{item}.md")


@pytest.fixture
def office_git(git_office: Office) -> Office:
    git_office.git("config", "user.name", "sqmy-bridge")
    git_office.git("config", "user.email", "sqmy-bridge@users.noreply.github.com")
    return git_office


# --- opened ----------------------------------------------------------------------------------------------------


def test_opened_issue_becomes_a_commit_on_its_own_branch_and_the_phone_goes_to_the_registry(office_git: Office, tmp_path: Path) -> None:
    o = office_git
    main_before = o.git("rev-parse", "main").strip()
    result, out = intake(o, save(tmp_path, event()))
    assert result.exit_code == 0, result.output
    assert out["branch"] == BRANCH
    assert out["changed"] is True
    assert out["problems"] == []
    assert out["pr_title"] == "社情民意信息：关于加快老旧小区加装电梯的建议"
    # the checkout stays on main, untouched but for the registry; the item is on the branch only
    assert o.git("rev-parse", "HEAD").strip() == main_before
    assert o.git("branch", "--show-current").strip() == "main"
    assert not list((o.root / "items").glob(f"*/{out['item']}.md"))
    text = branch_item(o, out["item"])
    front = yaml.safe_load(text.split("---")[1])
    assert front["title"] == "关于加快老旧小区加装电梯的建议"
    assert front["authors"] == ["wang-fu"]
    assert front["unit"] == "shefawei"
    assert (front["category"], front["focus"], front["source"]) == ("社区管理", "民之关切", "群众反映")
    assert str(front["submitted"]) == "2026-11-28"
    assert "幸福里" in text
    assert "## 二、意见建议" in text
    # the commit: one file, made by the bot (author and committer: the reporter is the item's author), marked with the issue
    log = o.git("log", "-1", "--format=%an|%ae|%cn|%(trailers:key=Intake-Issue,valueonly)", BRANCH).strip()
    assert log == "sqmy-bridge|bridge@sample.example|sqmy-bridge|12"  # units/office.yml bridge
    assert o.git("diff", "--name-only", f"main..{BRANCH}").split() == [f"items/2026/{out['item']}.md"]
    # the phone: in units/people.yml of the checkout, for the office to commit; nowhere else
    people = yaml.safe_load((o.root / "units" / "people.yml").read_text("utf-8"))
    assert next(p for p in people if p["id"] == "wang-fu")["phone"] == PHONE
    assert out["registry"] == ["units/people.yml"]
    assert o.git("status", "--porcelain").strip() == "M units/people.yml"
    for shown in (text, out["reply"], out["pr_body"], json.dumps(out["similar"], ensure_ascii=False), "\n".join(out["office"])):
        assert PHONE not in shown
        assert "1234 5678" not in shown
    assert "139****5678" in "\n".join(out["office"])
    office = out["pr_body"].split("### 请办公室处理", 1)[1].split("###", 1)[0]  # the office is told where the number is
    assert "139****5678" in office
    assert "议题 #12" in office
    assert "已收到，整理为信息" in out["reply"]
    assert "Closes #12" in out["pr_body"]
    # the audit of the pull request (and of all history once merged) is clean
    o.git("checkout", "-q", "units/people.yml")
    o.git("checkout", "-q", BRANCH)
    assert o.audit("--since", "main") == []
    o.git("checkout", "-q", "main")
    o.git("merge", "-q", "--no-ff", "-m", "合并", BRANCH)
    assert o.audit() == []


@pytest.mark.parametrize(("login", "said"), [
    ("sample-wangfu", "提交账号 sample-wangfu 是反映人 王复 本人"),
    ("sample-lichu", "提交账号 sample-lichu 是名册中的 李初，不是反映人本人（代为提交）：请初审人员向反映人核实"),
    ("wangfu-cppcc", "提交账号 wangfu-cppcc 不在名册中（名册的 github 账号）：请初审人员向反映人核实"),
])
def test_the_pull_request_says_whether_the_submitting_account_is_the_reporter(office_git: Office, tmp_path: Path, login: str, said: str) -> None:
    """Anyone who can open an issue can name any member as 反映人: the first reviewer is told who submitted it."""
    data = event(user={"login": login, "id": 1})
    result, out = intake(office_git, save(tmp_path, data))
    assert result.exit_code == 0, result.output
    assert f"- 说明：{said}" in out["pr_body"].splitlines()


def test_running_twice_changes_nothing(office_git: Office, tmp_path: Path) -> None:
    o = office_git
    path = save(tmp_path, event())
    _, first = intake(o, path)
    head = o.git("rev-parse", BRANCH).strip()
    result, again = intake(o, path)
    assert result.exit_code == 0, result.output
    assert again["changed"] is False
    assert again["item"] == first["item"]
    assert o.git("rev-parse", BRANCH).strip() == head
    assert "没有新的修改" in again["reply"]
    assert len(o.git("worktree", "list").splitlines()) == 1  # no worktree left behind


def test_a_reporter_without_email_is_filed_and_the_audit_is_clean(office_git: Office, tmp_path: Path) -> None:
    o = office_git
    people = o.root / "units" / "people.yml"
    people.write_text(people.read_text("utf-8") + "- id: liu-min\n  name: 刘敏\n  kind: 委员\n  unit: chengguan-lianluozu\n", "utf-8")
    o.commit_all("li-chu", "名册：新增委员刘敏")
    data = with_answer(with_answer(event(), "反映人", "刘敏"), "报送单位", "城关委员联络组")
    result, out = intake(o, save(tmp_path, data))
    assert result.exit_code == 0, result.output
    assert o.git("log", "-1", "--format=%an|%ae", BRANCH).strip() == "sqmy-bridge|bridge@sample.example"  # units/office.yml bridge
    assert yaml.safe_load(branch_item(o, out["item"]).split("---")[1])["unit"] == "chengguan-lianluozu"
    o.git("checkout", "-q", "units/people.yml")
    o.git("checkout", "-q", BRANCH)
    assert o.audit("--since", "main") == []


def word_file(tmp: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("关于加快老旧小区加装电梯的建议", style="Title")
    document.add_paragraph("反映人：王复（县政协委员）  联系电话：13912345678")
    document.add_paragraph("县城老旧小区多建于上世纪九十年代，没有电梯，老人上下楼十分困难，Word 文件里写的正文。")
    document.add_paragraph("一、意见建议")
    document.add_paragraph("建议推行并联审批，提高补助标准，允许提取公积金用于加装电梯，业主电话 13800001111。")
    path = tmp / "建议.docx"
    document.save(str(path))
    return path


def test_the_body_comes_from_the_word_attachment(office_git: Office, tmp_path: Path) -> None:
    o = office_git
    result, out = intake(o, save(tmp_path, event("gitea-opened.json")), "--forge", "gitea", "--attachment", str(word_file(tmp_path)))
    assert result.exit_code == 0, result.output
    assert out["branch"] == "intake/issue-9"
    text = o.git("show", f"intake/issue-9:items/2026/{out['item']}.md")
    body = text.split("---", 2)[2]
    assert "Word 文件里写的正文" in body
    assert "## 一、意见建议" in body
    assert "幸福里" not in body  # the form's body is empty in this Gitea issue; the Word file's is used
    assert "反映人" not in body
    assert "13912345678" not in text
    assert "13800001111" not in text
    assert "正文取自上传的 Word 文件" in out["reply"]
    assert yaml.safe_load(text.split("---")[1])["authors"] == ["wang-fu"]


def test_a_gitea_issue_with_an_attachment_the_workflow_did_not_download_is_a_problem(office_git: Office, tmp_path: Path) -> None:
    o = office_git
    result, out = intake(o, save(tmp_path, event("gitea-opened.json")), "--forge", "gitea")  # no --attachment: not downloaded
    assert result.exit_code == 1
    assert any("Word 文件没有取得" in p for p in out["problems"])
    assert not o.git("branch", "--list", "intake/*").strip()
    # GitHub: a link in the form's Word field, and a body: the body is used, and the reply says so
    data = with_answer(event(), "Word 文件", "[建议.docx](https://elsewhere.example/files/1/建议.docx)")
    result, out = intake(o, save(tmp_path, data))
    assert result.exit_code == 0, result.output
    assert "表单中附的 Word 文件没有取得" in out["reply"]


# --- problems -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("label", "value", "said"), [
    ("反映人", "王五", "反映人“王五”不在委员名册中"),
    ("报送单位", "不存在的单位", "报送单位“不存在的单位”不在单位名册中"),
    ("选题类别", "航天", "选题类别“航天”不在清单中"),
    ("联系电话", "请打电话", "联系电话不像电话号码"),
    ("正文", "", "没有正文"),
])
def test_a_problem_is_replied_and_nothing_is_written(office_git: Office, tmp_path: Path, label: str, value: str, said: str) -> None:
    o = office_git
    people_before = (o.root / "units" / "people.yml").read_text("utf-8")
    result = CliRunner().invoke(main, ["intake", str(save(tmp_path, with_answer(event(), label, value)))], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert said in result.stdout
    assert result.stdout.startswith("信息还没有整理成功")
    assert not o.git("branch", "--list", "intake/*").strip()
    assert o.git("status", "--porcelain").strip() == ""
    assert (o.root / "units" / "people.yml").read_text("utf-8") == people_before
    assert len(o.git("worktree", "list").splitlines()) == 1


def test_an_item_that_fails_validation_leaves_no_branch(office_git: Office, tmp_path: Path) -> None:
    o = office_git
    result, out = intake(o, save(tmp_path, with_answer(event(), "正文", "正文中夹了一个控制字符\u0007，检查不通过。")))
    assert result.exit_code == 1, result.output
    assert any("信息未通过检查" in p for p in out["problems"])
    assert not o.git("branch", "--list", "intake/*").strip()
    assert o.git("status", "--porcelain").strip() == ""


def test_not_a_form_issue_exits_2(office_git: Office, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["intake", str(ISSUES / "github-not-form.json")])
    assert result.exit_code == 2
    assert "不是用“提交社情民意信息”表单提交的" in result.output
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", "utf-8")
    result = CliRunner().invoke(main, ["intake", str(bad)])
    assert result.exit_code == 2
    assert "不是 JSON 格式" in result.output


# --- 查重 ----------------------------------------------------------------------------------------------------------


def test_a_duplicate_of_an_existing_report_is_named_in_the_reply(office_git: Office, tmp_path: Path) -> None:
    o = office_git
    existing = o.new_item("zhang-wei", "关于加强社区停车管理的建议")
    body = o.path(existing).read_text("utf-8").split("---", 2)[2].strip()
    data = with_answer(with_answer(event(), "正文", body), "标题", "关于解决小区停车难的建议")
    result, out = intake(o, save(tmp_path, data))
    assert result.exit_code == 0, result.output
    assert out["similar"]
    assert out["similar"][0]["id"] == existing
    assert out["similar"][0]["verdict"] == "疑似重复"
    assert f"【疑似重复】{existing}" in out["reply"]
    assert "审核人通过时须写明查重结论" in out["reply"]
    assert f"【疑似重复】{existing}" in out["pr_body"]


# --- edited and closed ----------------------------------------------------------------------------------------


def test_an_edit_before_review_updates_the_item_in_a_new_commit(office_git: Office, tmp_path: Path) -> None:
    o = office_git
    _, first = intake(o, save(tmp_path, event()))
    edited = with_answer(event(), "标题", "关于加快推进老旧小区加装电梯的建议")
    edited["action"] = "edited"
    result, out = intake(o, save(tmp_path, edited, "edited.json"))
    assert result.exit_code == 0, result.output
    assert out["changed"] is True
    assert out["item"] == first["item"]
    assert int(o.git("rev-list", "--count", f"main..{BRANCH}").strip()) == 2
    assert yaml.safe_load(branch_item(o, out["item"]).split("---")[1])["title"] == "关于加快推进老旧小区加装电梯的建议"
    assert "已按修改后的表单更新信息" in out["reply"]
    o.git("checkout", "-q", "units/people.yml")
    o.git("checkout", "-q", BRANCH)
    assert o.audit("--since", "main") == []


def test_an_edit_after_a_review_is_refused(office_git: Office, tmp_path: Path) -> None:
    o = office_git
    _, first = intake(o, save(tmp_path, event()))
    o.git("checkout", "-q", "units/people.yml")
    o.git("checkout", "-q", BRANCH)
    assert o.review("li-chu", first["item"], "初审", "通过").exit_code == 0
    o.git("checkout", "-q", "main")
    reviewed = o.git("rev-parse", BRANCH).strip()
    edited = with_answer(event(), "标题", "关于别的事情的建议")
    result, out = intake(o, save(tmp_path, edited), "--action", "edited")
    assert result.exit_code == 0, result.output
    assert out["changed"] is False
    assert out["reviewed"] is True
    assert "已进入审核" in out["reply"]
    assert "拉取请求" in out["reply"]
    assert o.git("rev-parse", BRANCH).strip() == reviewed
    # closing it now keeps the reviewed branch
    result, out = intake(o, save(tmp_path, event(state="closed")), "--action", "closed")
    assert out["close_pr"] is True
    assert out["delete_branch"] is False
    assert o.git("rev-parse", BRANCH).strip() == reviewed


def test_after_a_problem_an_edit_makes_the_branch(office_git: Office, tmp_path: Path) -> None:
    o = office_git
    result, _ = intake(o, save(tmp_path, with_answer(event(), "反映人", "王五")))
    assert result.exit_code == 1
    fixed = event()
    fixed["action"] = "edited"
    result, out = intake(o, save(tmp_path, fixed))
    assert result.exit_code == 0, result.output
    assert out["changed"] is True
    assert o.git("rev-parse", "--verify", BRANCH).strip()


def test_a_hand_edited_or_merged_branch_is_left_alone(office_git: Office, tmp_path: Path) -> None:
    o = office_git
    _, first = intake(o, save(tmp_path, event()))
    o.git("checkout", "-q", "units/people.yml")
    o.git("checkout", "-q", BRANCH)
    path = o.path(first["item"])
    path.write_text(path.read_text("utf-8") + "\n反映人在拉取请求中补充了一段。\n", "utf-8")
    o.commit_all("wang-fu", "补充")
    o.git("checkout", "-q", "main")
    edited = with_answer(event(), "标题", "关于别的事情的建议")
    result, out = intake(o, save(tmp_path, edited), "--action", "edited")
    assert result.exit_code == 0, result.output
    assert out["changed"] is False
    assert "分支上已有其他人的修改" in out["reply"]
    o.git("merge", "-q", "--no-ff", "-m", "合并", BRANCH)
    merged = o.git("rev-parse", "main").strip()
    result, out = intake(o, save(tmp_path, edited), "--action", "edited")
    assert out["changed"] is False
    assert "已经审核并合并" in out["reply"]
    assert o.git("rev-parse", "main").strip() == merged
    assert len(list((o.root / "items" / "2026").glob("*.md"))) == 1  # no second item for the same issue
    result, out = intake(o, save(tmp_path, event(state="closed")), "--action", "closed")
    assert out["close_pr"] is False
    assert out["delete_branch"] is False


def test_key_topics_of_the_year_are_read_back_from_the_dropdown() -> None:
    reg, _ = load_registry(Repo(SAMPLES / "office"))
    form = parse_form(event()["issue"]["body"])
    assert form is not None
    problems: list[str] = []
    answers = resolve(reg, form | {issueform.KEY_TOPIC: issueform.key_topic_option("加快老旧小区改造", "laojiu-xiaoqu")}, 2025, problems)
    assert problems == []
    assert answers.key_topic == "laojiu-xiaoqu"
    assert answers.phone == "13912345678"
    resolve(reg, form | {issueform.KEY_TOPIC: "加快老旧小区改造（laojiu-xiaoqu）"}, 2026, problems)
    assert problems == ["年度重点选题“加快老旧小区改造（laojiu-xiaoqu）”不在2026年的清单中：请在下拉列表中选择"]


def test_a_closed_issue_before_review_closes_the_pull_request_and_deletes_the_branch(office_git: Office, tmp_path: Path) -> None:
    o = office_git
    intake(o, save(tmp_path, event()))
    closed = event(state="closed")
    closed["action"] = "closed"
    result, out = intake(o, save(tmp_path, closed))
    assert result.exit_code == 0, result.output
    assert out["close_pr"] is True
    assert out["delete_branch"] is True
    assert out["changed"] is False
    assert "议题已关闭" in out["reply"]
    # a closed issue that never made a branch: nothing to close
    other = event(number=30)
    result, out = intake(o, save(tmp_path, other), "--action", "closed")
    assert out["close_pr"] is False
    assert out["branch"] == "intake/issue-30"


def test_text_output_is_the_reply(office_git: Office, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["intake", str(save(tmp_path, event()))], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout.startswith("已收到，整理为信息")
    assert PHONE not in result.stdout


# --- the form files ------------------------------------------------------------------------------------------


def _forms(tmp_path: Path) -> dict[str, Path]:
    reg, _ = load_registry(Repo(REPO))
    paths = {}
    for forge in ("github", "gitea", "forgejo"):
        for rel, text in issueform.files(reg, dt.date(2025, 6, 1), forge):
            path = tmp_path / forge / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8")
            paths[forge] = path
    return paths


def test_the_github_form_matches_githubs_schema(tmp_path: Path) -> None:
    forms = _forms(tmp_path)
    assert forms["github"].as_posix().endswith(".github/ISSUE_TEMPLATE/sqmy.yml")
    demo = REPO / ".github" / "ISSUE_TEMPLATE" / "sqmy.yml"
    result = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-issue-forms", str(forms["github"]), str(demo)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_demo_form_is_the_registrys() -> None:
    reg, _ = load_registry(Repo(REPO))
    data = yaml.safe_load((REPO / ".github" / "ISSUE_TEMPLATE" / "sqmy.yml").read_text("utf-8"))
    unit = next(f for f in data["body"] if f.get("id") == "unit")
    assert unit["attributes"]["options"] == [u.name for u in sorted(reg.units.values(), key=lambda u: u.id)]
    labels = [f["attributes"]["label"] for f in data["body"] if f["type"] != "markdown"]
    assert labels[:3] == [issueform.TITLE, issueform.REPORTERS, issueform.UNIT]


def gitea_problems(data: dict[str, Any]) -> list[str]:
    """Gitea's checks of a YAML issue template, ported from modules/issue/template/template.go (Validate, validateMetadata,
    validateYaml, validateID, validateLabel, validateOptions, validateRequired, validateStringItem, validateBoolItem)."""
    found = []
    if not str(data.get("name") or "").strip():
        found.append("'name' is required")
    if not str(data.get("about") or "").strip():
        found.append("'about' is required")
    fields = data.get("body") or []
    if not fields:
        found.append("'body' is required")
    ids: set[str] = set()
    strings = {"markdown": ("value",), "textarea": ("description", "placeholder", "value", "render"),
               "input": ("description", "placeholder", "value"), "dropdown": ("description",), "checkboxes": ("description",)}
    for idx, f in enumerate(fields):
        kind, attrs, checks = f.get("type"), f.get("attributes") or {}, f.get("validations") or {}
        where = f"body[{idx}]({kind})"
        if kind not in strings:
            found.append(f"{where}: unknown type")
            continue
        if kind != "markdown":
            if not f.get("id"):
                found.append(f"{where}: 'id' is required")
            elif re.search(r"[^\w-]", f["id"], re.ASCII):  # binding.AlphaDashPattern
                found.append(f"{where}: 'id' should contain only alphanumeric, '-' and '_'")
            elif f["id"] in ids:
                found.append(f"{where}: 'id' should be unique")
            ids.add(f.get("id", ""))
            if not isinstance(attrs.get("label"), str) or not attrs["label"].strip():
                found.append(f"{where}: 'label' is required")
        if kind == "markdown" and (not isinstance(attrs.get("value"), str) or not attrs["value"].strip()):
            found.append(f"{where}: 'value' is required")
        found += [f"{where}: '{n}' should be a string" for n in strings[kind] if n in attrs and not isinstance(attrs[n], str)]
        if kind == "input":
            if "is_number" in checks and not isinstance(checks["is_number"], bool):
                found.append(f"{where}: 'is_number' should be a bool")
            if "regex" in checks and not isinstance(checks["regex"], str):
                found.append(f"{where}: 'regex' should be a string")
        if kind == "dropdown" and "multiple" in attrs and not isinstance(attrs["multiple"], bool):
            found.append(f"{where}: 'multiple' should be a bool")
        if kind in ("dropdown", "checkboxes"):
            options = attrs.get("options")
            if not isinstance(options, list) or not options:
                found.append(f"{where}: 'options' is required and should be a array")
            elif kind == "dropdown":
                found += [f"{where}, option[{i}]: should be a string" for i, o in enumerate(options) if not isinstance(o, str)]
        if kind not in ("markdown", "checkboxes") and "required" in checks and not isinstance(checks["required"], bool):
            found.append(f"{where}: 'required' should be a bool")
    return found


def test_the_gitea_and_forgejo_forms_pass_giteas_checks(tmp_path: Path) -> None:
    forms = _forms(tmp_path)
    assert forms["gitea"].as_posix().endswith(".gitea/ISSUE_TEMPLATE/sqmy.yaml")
    assert forms["forgejo"].as_posix().endswith(".forgejo/ISSUE_TEMPLATE/sqmy.yaml")  # Forgejo reads its own folder first
    for forge in ("gitea", "forgejo"):
        data = yaml.safe_load(forms[forge].read_text("utf-8"))
        assert gitea_problems(data) == []
        phone = next(f for f in data["body"] if f.get("id") == "phone")
        assert re.fullmatch(phone["validations"]["regex"], "139 1234 5678")
        assert not re.fullmatch(phone["validations"]["regex"], "请打电话")
        assert all(f.get("id") != "word" for f in data["body"])  # attachments go to the issue's own attachment area
    # the ported checks do catch what Gitea refuses
    broken = {"name": "x", "about": "", "body": [{"type": "dropdown", "id": "a b", "attributes": {"label": "L", "options": [1]}},
                                                  {"type": "upload", "id": "f"}]}
    assert gitea_problems(broken) == ["'about' is required", "body[0](dropdown): 'id' should contain only alphanumeric, '-' and '_'",
                                      "body[0](dropdown), option[0]: should be a string", "body[1](upload): unknown type"]


def test_the_parser_reads_what_gitea_renders() -> None:
    """Gitea's RenderToMarkdown (template.go): `### label`, the value or `_No response_`, a blank line; markdown blocks omitted."""
    rendered = "### 标题\n\n关于某事的建议\n\n### 反映人\n\n王复\n\n### 报送单位\n\n城关委员联络组\n\n### 联系电话\n\n_No response_\n\n" \
               "### 正文\n\n第一段。\n\n### 三、不是栏目\n\n仍是正文。\n\n"
    form = parse_form(rendered)
    assert form is not None
    assert form["联系电话"] == ""
    assert form["正文"] == "第一段。\n\n### 三、不是栏目\n\n仍是正文。"
    assert parse_form("### 标题\n\n只有标题\n") is None



def test_headings_a_member_writes_in_the_body_stay_in_the_body() -> None:
    """A heading named like a field before the body, or like the Word field after it, is the member's text: the
    forge writes the real ones in the form's order, the Word field last."""
    rendered = ("### 标题\n\n关于某事的建议\n\n### 反映人\n\n王复\n\n### 报送单位\n\n城关委员联络组\n\n### 联系电话\n\n_No response_\n\n"
                "### 正文\n\n第一段。\n\n### 联系电话\n\n见附件。\n\n### Word 文件\n\n另附材料。\n\n### Word 文件\n\n_No response_\n")
    form = parse_form(rendered)
    assert form is not None
    assert form["联系电话"] == ""
    assert form["正文"] == "第一段。\n\n### 联系电话\n\n见附件。\n\n### Word 文件\n\n另附材料。"
    assert form["Word 文件"] == ""


# --- the workflow's own script, run here against a real repository -------------------------------------------


WORKFLOWS = {"github": REPO / ".github" / "workflows" / "intake.yml",
             "gitea": REPO / "scripts" / "sqmy" / "defaults" / "office" / "gitea" / "workflows" / "intake.yml"}


@pytest.mark.parametrize("forge", list(WORKFLOWS))
def test_the_workflow_script_makes_the_branch_and_keeps_the_phone_out_of_git(office_git: Office, tmp_path: Path, forge: str) -> None:
    o = office_git
    steps = yaml.safe_load(WORKFLOWS[forge].read_text("utf-8"))["jobs"]["intake"]["steps"]
    step = next(s["run"] for s in steps if s.get("name") == "整理信息（sqmy intake）")
    assert "${{" not in step  # the issue's text reaches the script only through env and files
    base = o.git("rev-parse", "HEAD").strip()
    work, folder = tmp_path / "work", tmp_path / "intake"
    folder.mkdir()
    save(folder, event(), "event.json")
    clone(o.root, work / "base", base)
    env = {"DIR": str(folder), "ATTACHMENT": "", "ISSUE_NUMBER": "12", "ACTION": "opened",
           "BRIDGE_NAME": "sqmy-bridge", "BRIDGE_EMAIL": "bridge@sample.example", "SQMY_TODAY": "2026-11-28"}
    code, text, outputs = run_step(step, work, tmp_path, **env)
    assert code == 0, text
    assert outputs["code"] == "0"
    assert outputs["changed"] == "true"
    assert outputs["branch"] == BRANCH
    assert outputs["close_pr"] == "false"
    assert outputs["quiet"] == "false"
    assert "已收到，整理为信息" in text
    base_git = ["git", "-C", str(work / "base")]
    status = subprocess.run([*base_git, "status", "--porcelain", "--", "units", "items"], capture_output=True, text=True, check=True).stdout
    assert status == ""  # the phone: discarded, never committed by a workflow
    # what the push step does, then the same issue again in a fresh clone: the branch is taken from the remote, nothing changes
    subprocess.run([*base_git, "push", "-q", "origin", f"refs/heads/{BRANCH}:refs/heads/{BRANCH}"], check=True)
    clone(o.root, work / "again" / "base", base)
    code, text, outputs = run_step(step, work / "again", tmp_path, **env)
    assert code == 0, text
    assert outputs["changed"] == "false"
    assert outputs["item"]
    save(folder, event("github-not-form.json"), "event.json")
    code, text, outputs = run_step(step, work / "again", tmp_path, **env)
    assert code == 0, text
    assert outputs["code"] == "2"
    assert "changed" not in outputs
