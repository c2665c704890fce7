"""The repository's own data: the demo office must stay valid and complete."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from sqmy import registry, schema, status
from sqmy.load import Loaded, load_all
from sqmy.paths import Repo

from .conftest import REPO, TODAY, Invoke

DAY = dt.date.fromisoformat(TODAY)


@pytest.fixture(scope="module")
def loaded() -> Loaded:
    return load_all(Repo(REPO), DAY)


def test_repository_validates(demo: Path, sqmy: Invoke) -> None:
    result = sqmy("validate")
    assert result.exit_code == 0, result.stdout
    assert "错误" not in result.stdout


def test_demo_registry_size_and_kinds(loaded: Loaded) -> None:
    reg = loaded.registry
    assert len(reg.units) >= 12
    assert {u.kind for u in reg.units.values()} == set(schema.UNIT_KINDS)
    assert len(reg.people) >= 40
    assert {p.kind for p in reg.people.values()} == set(schema.PERSON_KINDS)
    for role in schema.ROLES:
        assert reg.holders(role, DAY), role
    changed = [p for p in reg.people.values() if any(r.end and r.end.year == 2026 for r in p.roles)]
    assert changed, "one role change during a year"


def test_demo_items_cover_everything(loaded: Loaded) -> None:
    items = loaded.items
    assert len(items) >= 60
    assert {i.year for i in items} == {2025, 2026}
    statuses = Counter(status.derive(i, DAY).status for i in items)
    # every status a valid office can be in (审定后改动 is a validate error, shown by its own tests)
    assert set(statuses) == set(status.ALL) - {status.STALE}, set(status.ALL) - set(statuses)
    assert {r for i in items for r in i.routes} == set(schema.ROUTES)
    assert {a.level for i in items for a in i.adoptions} == set(schema.ADOPTION_LEVELS)
    assert len({(x.level, x.leader) for i in items for x in i.instructions}) >= 4
    transfers = [t for i in items for t in i.transfers]
    assert any(t.feedback for t in transfers)
    assert any(t.feedback is None for t in transfers)
    assert any(t.overdue_days(DAY) for t in transfers)
    assert {i.source for i in items} >= set(schema.CONVERTED_SOURCES)
    assert any(i.key_topic for i in items)
    assert {i.audience for i in items} == set(schema.AUDIENCES)
    assert any(r.decision == "联合复核" for i in items for r in i.reviews)
    assert all(i.imported is not None for i in items), "demo records are marked as imported history"


def test_demo_bodies_are_real_length(loaded: Loaded) -> None:
    for item in loaded.items:
        chars = len(re.findall(r"[\u4e00-\u9fff]", item.body))
        assert 400 <= chars <= 1500, (item.id, chars)


def test_imported_reviews_bind_the_text(loaded: Loaded) -> None:
    """Approvals of the imported history carry the digest of the text as archived."""
    for item in loaded.items:
        for review in item.reviews:
            if review.decision == "通过":
                assert review.digest == item.digest, item.id


def test_demo_reviewers_held_their_roles(loaded: Loaded) -> None:
    reg = loaded.registry
    role_of = {"初审": "初审", "复审": "复审", "审定": "审定", "联合复核": "专家"}
    for item in loaded.items:
        for review in item.reviews:
            assert reg.people[review.by].has_role(role_of[review.stage], review.date), (item.id, review)
            assert review.by not in item.authors


def test_status_json_shows_every_status(demo: Path, sqmy: Invoke) -> None:
    rows = json.loads(sqmy("status", "--format", "json").stdout)
    assert {r["status"] for r in rows} == set(status.ALL) - {status.STALE}


def test_people_registry_is_the_only_place_for_phones() -> None:
    phones = [p.phone for p in registry.load(Repo(REPO))[0].people.values() if p.phone]
    assert phones
    for path in (REPO / "items").rglob("*.md"):
        text = path.read_text("utf-8")
        assert not any(phone in text for phone in phones), path


def test_the_repositorys_own_history_audits_clean(demo: Path, sqmy: Invoke) -> None:
    """The demo office's records were imported by the office, so the audit recognises them."""
    shallow = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=REPO, capture_output=True, text=True, check=False)
    if shallow.returncode != 0:
        pytest.skip("not a Git checkout")
    if shallow.stdout.strip() == "true":
        pytest.skip("a shallow clone has no history to audit")
    result = sqmy("audit")
    assert result.exit_code == 0, result.output
    assert "历史导入记录" in result.stdout
