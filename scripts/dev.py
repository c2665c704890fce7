#!/usr/bin/env python3
"""The two commands of the README's quick start, with nothing installed beforehand.

    python3 scripts/dev.py demo   # the main job on the demo office
    python3 scripts/dev.py test   # lint, type-check and the test suite

Each makes (or reuses) the virtual environment `.venv` beside this repository
and installs the project into it from pyproject.toml; it reinstalls only when
pyproject.toml changed.  Standard library only: it runs before anything is
installed.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("SQMY_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".sqmy-installed"


def say(text: str) -> None:
    print(f"==> {text}", flush=True)


def run(*args: str | Path, check: bool = True) -> int:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, check=False)
    if check and result.returncode != 0:
        sys.exit(result.returncode)
    return result.returncode


def ensure_env() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - runs before anything checks the version
        sys.exit(f"sqmy 需要 Python 3.11 或更高版本，当前为 {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        say(f"创建虚拟环境 {VENV}")
        try:
            venv.create(VENV, with_pip=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            sys.exit(f"无法创建虚拟环境（{exc}）；Debian/Ubuntu 上请先安装 python3-venv")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    say("安装 sqmy 及其依赖（pyproject.toml）")
    run(BIN / "python", "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", ".[test]")
    STAMP.write_text(wanted)


def demo() -> int:
    say("检查示例县政协的信息和名册")
    run(BIN / "sqmy", "validate")
    say("审计审核记录")
    shallow = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=ROOT, capture_output=True, text=True, check=False)
    if shallow.stdout.strip() == "false":
        run(BIN / "sqmy", "audit")
    else:
        print("（不是完整的 Git 克隆，跳过审计）")
    say("信息状态汇总")
    run(BIN / "sqmy", "status", "--summary")
    say("督办：逾期未反馈的转办和批示")
    run(BIN / "sqmy", "status", "--overdue")
    out = ROOT / "build" / "stats"
    say(f"统计与考评（写入 {out.relative_to(ROOT)}/）")
    year = datetime.date.today().year
    for y in (year - 1, year):
        for command in ("stats", "score"):
            for fmt in ("json", "xlsx"):
                subprocess.run([str(BIN / "sqmy"), command, "--year", str(y), "--format", fmt, "-o", str(out / f"{command}-{y}.{fmt}")],
                               cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    run(BIN / "sqmy", "stats", "--year", str(year), "--by", "focus")
    say("Word 公文（写入 build/docx/）")
    for y in (year - 1, year):
        subprocess.run([str(BIN / "sqmy"), "docx", "all", "--year", str(y)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    print(f"已生成 {sum(1 for _ in (ROOT / 'build' / 'docx').rglob('*.docx'))} 份公文")
    say("归档网站")
    run(BIN / "sqmy", "build", "--audience", "public")
    run(BIN / "sqmy", "build")
    print(f"用浏览器打开 {ROOT / 'site' / 'index.html'}（内部版）或 {ROOT / 'site-public' / 'index.html'}（公开版）；")
    print("搜索要通过网页服务器访问，例如：python3 -m http.server -d site 8000，然后打开 http://localhost:8000/")
    return 0


def test() -> int:
    say("ruff（代码规范）")
    run(BIN / "ruff", "check", "scripts", "tests", "benchmarks")
    say("mypy（类型检查）")
    run(BIN / "mypy")
    say("pytest（测试）")
    return run(BIN / "python", "-m", "pytest", *sys.argv[2:], check=False)


def main() -> int:
    tasks = {"demo": demo, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in tasks:
        print(__doc__)
        return 2
    ensure_env()
    return tasks[sys.argv[1]]()


if __name__ == "__main__":
    sys.exit(main())
