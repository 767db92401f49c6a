"""Every check against its PASS and FAIL fixtures, plus the registry's own rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from unideploy.security.manifests.registry import CHECK_ID, Severity, all_checks, check_by_id
from unideploy.security.manifests.scan import scan

HERE = Path(__file__).parent
FIXTURES = sorted(HERE.glob("UD-K8S-*/*.yaml"))


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.mark.parametrize("fixture", FIXTURES, ids=_id)
def test_fixture(fixture: Path) -> None:
    check = check_by_id(fixture.parent.name)
    result = scan([fixture], checks=[check])
    assert result.errors == (), f"fixture does not load: {result.errors}"
    assert result.objects >= 1
    hits = [f for f in result.findings if f.check_id == check.id]
    if fixture.name.startswith("pass-"):
        assert hits == [], [f.message for f in hits]
    elif fixture.name.startswith("unknown-"):
        # the set lacks objects the check needs: reported as unknown, never as a pass
        assert hits, f"{check.id} said nothing about {fixture.name}"
        assert all(f.unknown for f in hits), [f.message for f in hits if not f.unknown]
    else:
        assert fixture.name.startswith("fail-"), "fixtures are pass-, fail- or unknown-*.yaml"
        failed = [f for f in hits if not f.unknown]
        assert failed, f"{check.id} failed nothing in {fixture.name}: {[f.message for f in hits]}"
        for hit in hits:
            assert hit.message
            assert hit.object.name
            assert hit.path == str(fixture)
            assert hit.line >= 1


def test_ids_are_unique_and_well_formed() -> None:
    ids = [c.id for c in all_checks()]
    assert len(ids) == len(set(ids))
    assert all(CHECK_ID.match(i) for i in ids), ids


def test_every_check_has_both_kinds_of_fixture() -> None:
    for check in all_checks():
        names = [p.name for p in (HERE / check.id).glob("*.yaml")]
        assert any(n.startswith("pass-") for n in names), f"{check.id} has no pass fixture"
        assert any(n.startswith("fail-") for n in names), f"{check.id} has no fail fixture"


def test_every_fixture_directory_names_a_check() -> None:
    known = {c.id for c in all_checks()}
    dirs = {p.name for p in HERE.iterdir() if p.is_dir() and p.name.startswith("UD-")}
    assert dirs <= known, dirs - known


def test_checks_carry_rationale_and_references() -> None:
    for check in all_checks():
        assert check.title and check.rationale.endswith("."), check.id
        assert isinstance(check.severity, Severity)
        for ref in check.references:
            assert re.match(r"^(CKV2?_K8S_\d+|C-\d{4})$", ref), (check.id, ref)


def test_field_notes_list_is_covered() -> None:
    """Every scanner ID the field notes expect appears on some check."""
    expected = {f"CKV_K8S_{n}" for n in (8, 9, 10, 11, 12, 13, 14, 16, 17, 18, 19, 20, 21, 22)}
    expected |= {f"CKV_K8S_{n}" for n in (23, 25, 26, 27, 28, 31, 35, 38, 39, 41, 42, 43, 49)}
    expected |= {"CKV2_K8S_6", "C-0057", "C-0048", "C-0035", "C-0015", "C-0065", "C-0263"}
    cited = {ref for check in all_checks() for ref in check.references}
    assert expected <= cited, sorted(expected - cited)
    assert len(all_checks()) >= 25


def test_docs_list_every_check() -> None:
    """docs/security-checks.md's table names every check with its current severity."""
    text = (HERE.parents[1] / "docs" / "security-checks.md").read_text()
    for check in all_checks():
        assert f"| {check.id} | {check.severity.value} |" in text, check.id
