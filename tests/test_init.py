"""`sqmy init`: a new office in one command, and the package defaults an office overrides.

The end-to-end test starts from nothing but an answers file: every command of the
year's work runs in the new office (nothing is copied from the demo), by the
people the answers name, each committing as themselves.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import docx
import pytest
import yaml
from click.testing import CliRunner, Result

from sqmy import defaults, load
from sqmy.cli import main
from sqmy.cli import office as cli_office
from sqmy.docx import plan
from sqmy.docx import reference as docxstyle
from sqmy.errors import SqmyError
from sqmy.paths import Repo

from .conftest import REPO, TODAY, Invoke

YEAR = TODAY[:4]
PEOPLE = {  # the answers' people: id -> (name, email, github, role)
    "li-ming": ("李明", "li.ming@example.org", "liming", "办公室"),
    "zhao-gang": ("赵刚", "zhao.gang@example.org", "zhaogang", "初审"),
    "qian-hong": ("钱红", "qian.hong@example.org", "qianhong", "复审"),
    "sun-li": ("孙立", "sun.li@example.org", "sunli", "审定"),
}
ANSWERS = f"county: 商南县\nyear: {YEAR}\nsqmy_package: sqmy @ git+https://example.org/sqmy.git@v0.1.0\npeople:\n" + "".join(
    f"  {role}: {{id: {pid}, name: {name}, email: {email}, github: {github}}}\n" for pid, (name, email, github, role) in PEOPLE.items()
)


@pytest.fixture
def pinned_git(monkeypatch: pytest.MonkeyPatch) -> None:
    """No personal git settings, and every commit dated on the pinned day."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_DATE", f"{TODAY}T12:00:00+08:00")
        monkeypatch.delenv(f"GIT_{who}_NAME", raising=False)
        monkeypatch.delenv(f"GIT_{who}_EMAIL", raising=False)


@pytest.fixture
def answers(tmp_path: Path) -> Path:
    path = tmp_path / "answers.yml"
    path.write_text(ANSWERS, "utf-8")
    return path


@contextmanager
def acting(person: str) -> Iterator[None]:
    name, email, _, _ = PEOPLE[person]
    with pytest.MonkeyPatch.context() as mp:
        for who in ("AUTHOR", "COMMITTER"):
            mp.setenv(f"GIT_{who}_NAME", name)
            mp.setenv(f"GIT_{who}_EMAIL", email)
        yield


def run(person: str, *args: str) -> Result:
    with acting(person):
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def commit_all(root: Path, person: str, message: str) -> None:
    with acting(person):
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", message)


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def word_file(path: Path) -> Path:
    """A member's report as Word writes it: a title, sections and the 反映人 line at the end."""
    document = docx.Document()
    document.add_paragraph("关于规范农村集贸市场秩序的建议", style="Title")
    document.add_paragraph("我县农村集贸市场每逢集日占道经营严重，车辆通行困难，存在安全隐患。")
    document.add_paragraph("一、存在的问题", style="Heading 1")
    document.add_paragraph("摊位占用主干道，缺少统一管理，垃圾清运不及时。")
    document.add_paragraph("二、意见建议", style="Heading 1")
    document.add_paragraph("建议由县市场监管局会同乡镇划定经营区域，配备保洁人员。")
    document.add_paragraph("反映人：李明")
    document.save(str(path))
    return path


# --- the year's work in a new office -------------------------------------------------------------


def test_a_new_office_runs_the_whole_year(tmp_path: Path, answers: Path, pinned_git: None, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "商南县政协信息库"
    result = CliRunner().invoke(main, ["init", str(root), "--answers", str(answers)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "已新建信息库" in result.stdout

    # one commit, made by the office clerk, holding everything; nothing left uncommitted or lying beside it
    log = git(root, "log", "--format=%an|%ae|%cn|%ce").splitlines()
    assert log == ["李明|li.ming@example.org|李明|li.ming@example.org"]
    assert git(root, "status", "--porcelain") == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.yml", root.name]
    tracked = set(git(root, "ls-files").splitlines())
    assert {"units/office.yml", "units/units.yml", "units/people.yml", "units/topics.yml", "units/scoring.yml", "mkdocs.yml", ".gitignore",
            "README.md", "templates/site/guide.md", ".github/CODEOWNERS", ".github/allowed_signers", ".github/pull_request_template.md",
            ".github/sqmy-requirements.txt", ".github/workflows/review-check.yml", ".github/workflows/site.yml"} <= tracked
    assert not any(name.startswith("templates/docx") or name == "templates/item.md.j2" for name in tracked)  # package defaults

    monkeypatch.chdir(root)
    sqmy = CliRunner()
    check = sqmy.invoke(main, ["validate"], catch_exceptions=False)
    assert (check.exit_code, check.stdout) == (0, "检查了 5 个文件：全部通过\n")
    assert sqmy.invoke(main, ["generate", "--check"]).exit_code == 0  # CODEOWNERS and allowed_signers as `sqmy generate` makes them
    codeowners = (root / ".github" / "CODEOWNERS").read_text("utf-8")
    assert "/items/ @zhaogang" in codeowners
    assert "/units/ @liming" in codeowners

    # an item from the template, and one from a member's Word file
    made = run("li-ming", "new", "--title", "关于加强农村道路交通安全管理的建议", "--author", "li-ming",
               "--category", "公共安全", "--focus", "民之关切", "--source", "委员调研", "--key-topic", "xiaoyuan-anquan")
    first = Path(made.stdout.strip())
    text = first.read_text("utf-8")
    first.write_text(text.split("---\n", 2)[0] + "---\n" + text.split("---\n", 2)[1] + "---\n"
                     "农村道路普遍缺少标志标线，农用车辆违规载人现象突出。\n\n## 意见建议\n\n建议县交通局会同公安交警部门开展专项整治。\n", "utf-8")
    commit_all(root, "li-ming", "新信息：农村道路交通安全")
    imported = run("li-ming", "import", str(word_file(tmp_path / "集贸市场.docx")))
    second = Path(imported.stdout.strip().splitlines()[-1])
    assert "title: 关于规范农村集贸市场秩序的建议" in second.read_text("utf-8")
    commit_all(root, "li-ming", "导入信息：农村集贸市场")
    a, b = first.stem, second.stem

    # the review chain, each stage by its own reviewer, each a commit of their own
    for item, routes in ((a, ["--route", "直报", "--route", "转办"]), (b, ["--route", "参阅"])):
        run("zhao-gang", "review", item, "初审", "通过")
        run("qian-hong", "review", item, "复审", "通过")
        run("sun-li", "review", item, "审定", "通过", *routes)
    assert git(root, "log", "-1", "--format=%an").strip() == "孙立"

    # the office records outcomes and opens the year's first issue
    run("li-ming", "record", a, "transfer", "--to", "xian-jiaotongju")
    run("li-ming", "record", a, "adoption", "--level", "市政协", "--date", TODAY)
    run("li-ming", "journal", "new", a, b)
    issues = json.loads(run("li-ming", "journal", "list", "--format", "json").stdout)
    assert [(i["issue"], sorted(x["id"] for x in i["items"])) for i in issues] == [(1, sorted([a, b]))]

    stats = json.loads(run("li-ming", "stats", "--year", YEAR, "--format", "json").stdout)
    assert (stats["collected"], stats["edited"], stats["adopted"]["市政协"], stats["transferred"]) == (2, 2, 1, 1)
    scores = json.loads(run("li-ming", "score", "--year", YEAR, "--format", "json").stdout)
    clerk = next(p for p in scores["people"] if p["person"] == "li-ming")
    assert clerk["points"] == (2 + 8 + 2 + 20 + 3) + (2 + 8)  # the default rules: A submitted, edited, 直报, adopted, 转办; B submitted, edited
    assert next(u for u in scores["units"] if u["unit"] == "shefawei")["items"] == 2

    # the Word documents from sqmy's own templates, then both editions of the archive
    run("li-ming", "docx", "all", "--year", YEAR)
    written = {p.name for p in (root / "build" / "docx" / YEAR).glob("*.docx")}
    assert {f"直报-{a}.docx", f"参阅件-{b}.docx", f"转办函-{a}-1.docx", f"通报-{YEAR}.docx"} <= written
    assert any(name.startswith("社情民意信息-") and "第1期" in name for name in written)
    run("li-ming", "build")
    run("li-ming", "build", "--audience", "public")
    assert (root / "site" / "items" / YEAR / a / "index.html").is_file()
    assert "关于规范农村集贸市场秩序的建议" in (root / "site" / "items" / YEAR / b / "index.html").read_text("utf-8")
    public = b"".join(p.read_bytes() for p in (root / "site-public").rglob("*") if p.is_file())
    assert a.encode() not in public  # items are internal unless marked 公开
    assert b.encode() not in public
    assert "农村集贸市场".encode() not in public

    # the history is clean, and everything generated is ignored
    assert CliRunner().invoke(main, ["audit"]).exit_code == 0
    assert CliRunner().invoke(main, ["validate"]).exit_code == 0
    assert git(root, "status", "--porcelain") == ""


def test_a_second_run_refuses_and_changes_nothing(tmp_path: Path, answers: Path, pinned_git: None, sqmy: Invoke) -> None:
    root = tmp_path / "office"
    assert sqmy("init", str(root), "--answers", str(answers)).exit_code == 0
    before, head = snapshot(root), git(root, "rev-parse", "HEAD")
    again = sqmy("init", str(root), "--answers", str(answers))
    assert again.exit_code == 2
    assert f"{root} 已存在且不为空" in again.stderr
    assert "未做任何改动" in again.stderr
    assert snapshot(root) == before
    assert git(root, "rev-parse", "HEAD") == head


def test_an_empty_folder_is_used_and_anything_else_refused(tmp_path: Path, answers: Path, pinned_git: None, sqmy: Invoke) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    folder = empty.stat().st_ino
    assert sqmy("init", str(empty), "--answers", str(answers)).exit_code == 0
    assert (empty / "units" / "office.yml").is_file()
    assert empty.stat().st_ino == folder  # the user's folder is kept (it may be the one their shell is in)
    a_file = tmp_path / "a-file"
    a_file.write_text("x", "utf-8")
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    for target, words in ((a_file, "不是目录"), (link, "是符号链接")):
        result = sqmy("init", str(target), "--answers", str(answers))
        assert result.exit_code == 2
        assert words in result.stderr
    assert not (tmp_path / "elsewhere").exists()  # the link was not followed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "answers.yml", "empty", "link"]


def test_wrong_answers_are_named_with_their_line_and_nothing_is_made(tmp_path: Path, pinned_git: None, sqmy: Invoke) -> None:
    path = tmp_path / "answers.yml"
    path.write_text(
        "county: 商南县\n"  # 1
        "yaer: 2026\n"  # 2: a typo
        "body_max_chars: 50\n"  # 3: below the schema's minimum
        "people:\n"  # 4
        "  办公室: {id: li-ming, name: 李明, email: li.ming@example.org, github: liming}\n"  # 5
        "  初审: {id: zhao-gang, name: 赵刚, email: not-an-email, github: zhaogang}\n"  # 6
        "  复审: {id: sun-li, name: 孙立, email: sun.li@example.org, github: sunli}\n"  # 7
        "  审定: {id: sun-li, name: 孙立, email: sun.li@example.org, github: sunli}\n"  # 8: one person, two stages
        "  主席: {id: x, name: X, email: x@example.org}\n"  # 9: not a role
        "key_topics:\n"  # 10
        "  - {id: Bad_Id, title: 题目}\n"  # 11
        "sqmy_package: sqmy @ git+https://example.org/sqmy.git@v0.1.0\n",  # 12
        "utf-8",
    )
    root = tmp_path / "office"
    result = sqmy("init", str(root), "--answers", str(path))
    assert result.exit_code == 2
    err = result.stderr
    assert f"{path}:2: 错误：未知的答案“yaer”，是不是“year”？" in err
    assert f"{path}:3: 错误：body_max_chars 的值 50 超出范围" in err
    assert f"{path}:6: 错误：字段 email（邮箱）的值“not-an-email”格式不对" in err
    assert f"{path}:8: 错误：孙立（sun-li）已是复审人" in err
    assert f"{path}:9: 错误：未知的角色“主席”" in err
    assert f"{path}:11: 错误：重点选题编号“Bad_Id”格式不对" in err
    assert not root.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.yml"]


def test_the_clerk_may_also_be_the_first_reviewer_and_answers_reach_every_file(tmp_path: Path, pinned_git: None, sqmy: Invoke) -> None:
    path = tmp_path / "answers.yml"
    clerk = "{id: zhao-gang, name: 赵刚, email: zhao.gang@example.org, github: zhaogang}"
    path.write_text(ANSWERS.replace("{id: li-ming, name: 李明, email: li.ming@example.org, github: liming}", clerk)
                    + "body_max_chars: 2000\nshort_name: 商南政协\nkey_topics: [{id: shuiyuan-baohu, title: 饮用水水源地保护}]\n", "utf-8")
    root = tmp_path / "office"
    result = sqmy("init", str(root), "--answers", str(path))
    assert result.exit_code == 0, result.output
    people = yaml.safe_load((root / "units" / "people.yml").read_text("utf-8"))
    assert [(p["id"], [r["role"] for r in p["roles"]]) for p in people] == [
        ("zhao-gang", ["办公室", "初审"]), ("qian-hong", ["复审"]), ("sun-li", ["审定"])]
    assert git(root, "log", "--format=%an <%ae>").strip() == "赵刚 <zhao.gang@example.org>"
    assert "不超过 2000 字" in (root / "templates" / "site" / "guide.md").read_text("utf-8")
    assert "正文不超过 2000 字" in (root / ".github" / "pull_request_template.md").read_text("utf-8")
    topics = yaml.safe_load((root / "units" / "topics.yml").read_text("utf-8"))
    assert topics["key_topics"] == {int(YEAR): [{"id": "shuiyuan-baohu", "title": "饮用水水源地保护"}]}
    assert "site_name: 商南政协社情民意信息" in (root / "mkdocs.yml").read_text("utf-8")
    other = tmp_path / "other.yml"
    other.write_text(path.read_text("utf-8").replace(clerk, "{id: zhao-gang, name: 赵刚, email: zg@example.org, github: zg}", 1), "utf-8")
    clash = sqmy("init", str(tmp_path / "other"), "--answers", str(other))
    assert clash.exit_code == 2
    assert f"{other}:6: 错误：编号“zhao-gang”已用于另一位人员（赵刚，zg@example.org）" in clash.stderr


def test_an_answers_file_is_data(tmp_path: Path, pinned_git: None, sqmy: Invoke) -> None:
    path = tmp_path / "answers.yml"
    path.write_text("county: &c 商南县\nname: *c\n", "utf-8")
    result = sqmy("init", str(tmp_path / "office"), "--answers", str(path))
    assert result.exit_code == 2
    assert f"{path}:1: 错误：" in result.stderr
    assert not (tmp_path / "office").exists()


def test_options_answer_without_a_file(tmp_path: Path, pinned_git: None, sqmy: Invoke) -> None:
    people = {f"--{option}": f"{pid},{name},{email},{github}" for option, (pid, (name, email, github, _)) in
              zip(("clerk", "first", "second", "final"), PEOPLE.items(), strict=True)}
    people["--final"] = "sun-li，孙立，sun.li@example.org"  # full-width commas, and no GitHub account: an office may review without
    root = tmp_path / "office"
    missing = sqmy("init", str(root), "--county", "雁塔区")
    assert missing.exit_code == 2
    assert "缺少答案" in missing.stderr
    assert "初审人的编号" in missing.stderr
    assert not root.exists()
    bad = sqmy("init", str(root), "--county", "雁塔区", *[x for kv in people.items() for x in kv], "--clerk", "li-ming,李明")
    assert bad.exit_code == 2
    assert "--clerk 的值“li-ming,李明”应写作“编号,姓名,邮箱[,GitHub账号]”" in bad.stderr
    done = sqmy("init", str(root), "--county", "雁塔区", "--sqmy-package", "sqmy @ git+https://example.org/sqmy.git@v0.1.0",
                *[x for kv in people.items() for x in kv])
    assert done.exit_code == 0, done.output
    office = yaml.safe_load((root / "units" / "office.yml").read_text("utf-8"))
    assert (office["short_name"], office["distribution"]["送"][0]) == ("雁塔区政协", "区委主要领导")  # a district names itself
    assert (root / ".github" / "sqmy-requirements.txt").read_text("utf-8").splitlines()[-1] == "sqmy @ git+https://example.org/sqmy.git@v0.1.0"
    units = yaml.safe_load((root / "units" / "units.yml").read_text("utf-8"))
    assert any(u["id"] == "qu-jiaotongju" and u["short"] == "区交通局" for u in units)
    final = next(p for p in yaml.safe_load((root / "units" / "people.yml").read_text("utf-8")) if p["id"] == "sun-li")
    assert (final["title"], "github" in final) == ("区政协主席", False)


def test_questions_in_a_terminal(tmp_path: Path, pinned_git: None, sqmy: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_office, "_interactive", lambda: True)
    replies = ["商南县"] + [v for pid, (name, email, github, _) in PEOPLE.items() for v in (pid, name, email, github)]
    replies.append("sqmy @ git+https://example.org/sqmy.git@v0.1.0")  # no default: a public index may hold another "sqmy"
    result = sqmy("init", str(tmp_path / "office"), input="\n".join(replies) + "\n")
    assert result.exit_code == 0, result.output
    assert "审定人的姓名" in result.output
    assert "工作流从哪里安装 sqmy" in result.output
    requirement = (tmp_path / "office" / ".github" / "sqmy-requirements.txt").read_text("utf-8")
    assert "sqmy @ git+https://example.org/sqmy.git@v0.1.0" in requirement
    people = yaml.safe_load((tmp_path / "office" / "units" / "people.yml").read_text("utf-8"))
    assert [(p["id"], [r["role"] for r in p["roles"]]) for p in people] == [
        ("li-ming", ["办公室"]), ("zhao-gang", ["初审"]), ("qian-hong", ["复审"]), ("sun-li", ["审定"])]
    assert all(str(r["from"]) == TODAY for p in people for r in p["roles"])


def test_questions_in_a_terminal_ask_for_the_chosen_forges_account(tmp_path: Path, pinned_git: None, sqmy: Invoke,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_office, "_interactive", lambda: True)
    replies = ["商南县"] + [v for pid, (name, email, github, _) in PEOPLE.items() for v in (pid, name, email, github)]
    replies.append("sqmy @ https://git.example.org/sqmy.whl")
    result = sqmy("init", str(tmp_path / "office"), "--forge", "gitea", input="\n".join(replies) + "\n")
    assert result.exit_code == 0, result.output
    assert "审定人的 Gitea 账号（不在 Gitea 上审核可留空）" in result.output
    assert "GitHub" not in result.output
    people = yaml.safe_load((tmp_path / "office" / "units" / "people.yml").read_text("utf-8"))
    assert [(p["gitea"], "github" in p) for p in people] == [(entry[2], False) for entry in PEOPLE.values()]
    assert (tmp_path / "office" / ".gitea" / "sqmy-requirements.txt").read_text("utf-8").splitlines()[-1] == "sqmy @ https://git.example.org/sqmy.whl"
    assert not (tmp_path / "office" / ".github").exists()


def test_a_bad_package_line_is_refused(tmp_path: Path, answers: Path, pinned_git: None, sqmy: Invoke) -> None:
    result = sqmy("init", str(tmp_path / "office"), "--answers", str(answers), "--sqmy-package", "--index-url https://evil.example/simple")
    assert result.exit_code == 2
    assert "--sqmy-package: 错误：sqmy_package 应为一条 pip 依赖说明" in result.stderr


def test_the_office_workflows_are_this_repositorys_but_for_how_sqmy_is_installed() -> None:
    shipped = sorted((defaults.FOLDER / "office" / "github" / "workflows").glob("*.yml"))
    assert {p.name for p in shipped} == {"review-check.yml", "review-bridge.yml", "review-event.yml", "site.yml", "stats.yml", "remind.yml", "intake.yml"}
    for path in shipped:
        ours = (REPO / ".github" / "workflows" / path.name).read_text("utf-8").splitlines()
        theirs = path.read_text("utf-8").splitlines()
        changed = [line for line in difflib.ndiff(ours, theirs) if line[:2] in ("- ", "+ ")]
        added = [line for line in changed if line.startswith("+ ")]
        assert all("sqmy-requirements.txt" in line for line in added), (path.name, added)
        assert len(added) == len(changed) // 2  # each changed line replaced, nothing else removed


def test_the_office_workflows_pass_the_same_checks(tmp_path: Path, answers: Path, pinned_git: None, sqmy: Invoke) -> None:
    root = tmp_path / "office"
    assert sqmy("init", str(root), "--answers", str(answers)).exit_code == 0
    workflows = sorted((root / ".github" / "workflows").glob("*.yml"))
    for path in workflows:
        data = yaml.safe_load(path.read_text("utf-8"))
        runs = "\n".join(s.get("run", "") for job in data["jobs"].values() for s in job["steps"])
        for line in (x for x in runs.splitlines() if "pip install" in x):
            assert line.strip().endswith(("-r base/.github/sqmy-requirements.txt", "-r .github/sqmy-requirements.txt")), line
    bin_dir = Path(sys.executable).parent
    checker = shutil.which("check-jsonschema", path=str(bin_dir)) or shutil.which("check-jsonschema")
    zizmor = shutil.which("zizmor", path=str(bin_dir)) or shutil.which("zizmor")
    assert checker, "check-jsonschema is a test dependency (pyproject.toml [test])"
    assert zizmor, "zizmor is a test dependency (pyproject.toml [test])"
    schema_check = subprocess.run([checker, "--builtin-schema", "vendor.github-workflows", *map(str, workflows)], capture_output=True, text=True, check=False)
    assert schema_check.returncode == 0, schema_check.stdout + schema_check.stderr
    audit = subprocess.run([zizmor, "--offline", "--no-progress", str(root / ".github" / "workflows")], capture_output=True, text=True, check=False)
    assert audit.returncode == 0, audit.stdout + audit.stderr


# --- package defaults, overridden by the office's own files --------------------------------------


def test_package_defaults_are_the_repositorys_templates() -> None:
    """The demo office keeps its own copies, which override nothing: they must say the same."""
    assert (defaults.FOLDER / "item.md.j2").read_bytes() == (REPO / "templates" / "item.md.j2").read_bytes()
    ours = sorted(p.name for p in (REPO / "templates" / "docx").iterdir())
    assert sorted(p.name for p in (defaults.FOLDER / "docx").iterdir()) == ours
    for name in ours:
        assert (defaults.FOLDER / "docx" / name).read_bytes() == (REPO / "templates" / "docx" / name).read_bytes(), name


def test_new_uses_the_package_template_unless_the_office_has_one(office: Path, sqmy: Invoke) -> None:
    flags = ["--title", "关于规范小区停车的建议", "--author", "zhang-wei", "--category", "社区管理", "--focus", "民之关切", "--source", "群众反映"]
    (office / "templates" / "item.md.j2").unlink()
    made = Path(sqmy("new", *flags).stdout.strip())
    assert "## 三、意见建议" in made.read_text("utf-8")  # sqmy's own template
    own = (defaults.FOLDER / "item.md.j2").read_text("utf-8").replace("## 三、意见建议", "## 三、对策建议")
    (office / "templates" / "item.md.j2").write_text(own, "utf-8")
    mine = Path(sqmy("new", *flags).stdout.strip())
    assert "## 三、对策建议" in mine.read_text("utf-8")  # the office's file wins
    (office / "templates" / "item.md.j2").write_text("---\nid: {{ id }\n---\n", "utf-8")
    broken = sqmy("new", *flags)
    assert broken.exit_code == 2
    assert "信息模板 templates/item.md.j2 有错误" in broken.stderr  # the office's own file is named


def test_documents_use_the_package_templates_unless_the_office_has_its_own(office: Path) -> None:
    repo = Repo(office)
    today = dt.date.fromisoformat(TODAY)
    assert not (office / "templates" / "docx").exists()
    loaded = load.load_all(repo, today)
    item = "2025-0506-zhangwei-1"
    shipped = plan.Planner(repo, loaded.registry, loaded.items, today).direct(item).markdown
    definition, raw = docxstyle.load_definition(repo)
    assert raw == (REPO / "templates" / "docx" / "styles.yml").read_bytes()
    assert definition["page"]["lines"] == 22
    (office / "templates" / "docx").mkdir(parents=True)
    own = (defaults.FOLDER / "docx" / "item.md.j2").read_text("utf-8") + "\n本件由样本县政协办公室整理。\n"
    (office / "templates" / "docx" / "item.md.j2").write_text(own, "utf-8")
    mine = plan.Planner(repo, loaded.registry, loaded.items, today).direct(item).markdown
    assert "本件由样本县政协办公室整理。" in mine
    assert "本件由样本县政协办公室整理。" not in shipped
    (office / "templates" / "docx" / "item.md.j2").write_text("第一行\n{{ office.nosuch }}\n", "utf-8")
    with pytest.raises(SqmyError, match=r"templates/docx/item\.md\.j2:2: 错误：公文模板有错误"):
        plan.Planner(repo, loaded.registry, loaded.items, today).direct(item)
    (office / "templates" / "docx" / "styles.yml").write_text("page: {}\n", "utf-8")
    with pytest.raises(SqmyError, match=r"templates/docx/styles\.yml:1: 错误"):  # the office's definition, broken, is not skipped
        docxstyle.load_definition(repo)


def test_validate_warns_when_the_scoring_rules_are_missing(office: Path, sqmy: Invoke) -> None:
    assert not (office / "units" / "scoring.yml").exists()
    result = sqmy("validate")
    assert result.exit_code == 0
    assert "units/scoring.yml:1: 警告：缺少 units/scoring.yml：sqmy score 无法计算积分和等次" in result.stdout
    (office / "units" / "scoring.yml").write_text("name: 办法\npoints: {submitted: 1}\ngrades: [{min: 0, grade: 合格}]\n", "utf-8")
    assert "scoring.yml" not in sqmy("validate").stdout


def test_the_package_data_names_every_default() -> None:
    """Everything under sqmy/defaults is in the wheel (pyproject.toml's package-data)."""
    patterns = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["package-data"]["sqmy"]
    package = defaults.FOLDER.parent
    covered = {p for pattern in patterns for p in package.glob(pattern) if p.is_file()}
    files = {p for p in defaults.FOLDER.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".py"}
    assert files
    assert files <= covered, sorted(str(p.relative_to(package)) for p in files - covered)


def test_where_sqmy_comes_from_has_no_default(tmp_path: Path, pinned_git: None, sqmy: Invoke) -> None:
    """A bare sqmy==version would install whatever a public index holds under that name, in a workflow holding the
    office's token: the office must say where its CI gets sqmy."""
    path = tmp_path / "answers.yml"
    path.write_text(ANSWERS.replace("sqmy_package: sqmy @ git+https://example.org/sqmy.git@v0.1.0\n", ""), "utf-8")
    result = sqmy("init", str(tmp_path / "office"), "--answers", str(path))
    assert result.exit_code == 2
    assert "缺少答案：sqmy 的安装来源" in result.stderr
    assert not (tmp_path / "office").exists()
