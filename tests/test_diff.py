"""diff and build --dry-run: what a learner's next import would change, told truthfully."""

from __future__ import annotations

import json
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest
import yaml

from cli_support import run_cli

E61 = "stage-06-the-therapeutic-alliance/e6-1-alliance-foundations.yaml"


def edit(source: Path, change: dict[str, object], name: str = E61) -> None:
    """Rewrite one concept file with some keys changed."""
    data = yaml.safe_load((source / name).read_text(encoding="utf-8"))
    data.update(change)
    (source / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def build(source: Path, target: Path, monkeypatch: pytest.MonkeyPatch, epoch: int) -> Path:
    """Build `source` into `target` at a given SOURCE_DATE_EPOCH."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    code, _, err = run_cli("build", str(source), "-o", str(target))
    assert code == 0, err
    return target


def resorted_tags(package: Path, target: Path) -> Path:
    """A copy of `package` whose tags are in another order, as Anki's own export writes them."""
    shutil.copy(package, target)
    with zipfile.ZipFile(package) as archive:
        data = archive.read("collection.anki2")
    scratch = target.with_suffix(".db")
    scratch.write_bytes(data)
    db = sqlite3.connect(scratch)
    for note_id, tags in db.execute("SELECT id, tags FROM notes").fetchall():
        db.execute(
            "UPDATE notes SET tags = ? WHERE id = ?", (" ".join(reversed(tags.split())), note_id)
        )
    db.commit()
    db.close()
    with zipfile.ZipFile(package) as archive, zipfile.ZipFile(target, "w") as out:
        for member in archive.namelist():
            body = scratch.read_bytes() if member == "collection.anki2" else archive.read(member)
            out.writestr(member, body)
    return target


def test_tags_are_compared_as_sets(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same notes with tags in another order are unchanged, and --exit-code says 0."""
    v1 = build(source, tmp_path / "v1.apkg", monkeypatch, 1_780_000_000)
    shuffled = resorted_tags(v1, tmp_path / "exported.apkg")
    code, out, err = run_cli("diff", str(shuffled), str(v1), "--exit-code")
    assert (code, out) == (0, "")
    assert "0 new, 0 updated, 19 unchanged" in err


def test_exit_code_is_1_when_the_import_would_change_something(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--exit-code exits 1 when a note would be updated."""
    v1 = build(source, tmp_path / "v1.apkg", monkeypatch, 1_780_000_000)
    edit(source, {"anchor": "A rewritten anchor."})
    v2 = build(source, tmp_path / "v2.apkg", monkeypatch, 1_780_086_400)
    code, out, _ = run_cli("diff", str(v1), str(v2), "--exit-code", "--json")
    assert code == 1
    assert json.loads(out)["changes_anything"] is True


def test_a_removed_item_is_labelled_retired(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pitfall removed from the source shows as retired, not as an ordinary update."""
    v1 = build(source, tmp_path / "v1.apkg", monkeypatch, 1_780_000_000)
    data = yaml.safe_load((source / E61).read_text(encoding="utf-8"))
    edit(source, {"pitfalls": data["pitfalls"][:-1]})
    v2 = build(source, tmp_path / "v2.apkg", monkeypatch, 1_780_086_400)
    code, out, _ = run_cli("diff", str(v1), str(v2), "--json")
    report = json.loads(out)
    assert code == 0
    assert [c["kind"] for c in report["changes"]] == ["retired"]
    assert report["counts"]["retired"] == 1


def test_changes_are_listed_by_concept_in_curriculum_order(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Concepts E6.2 and E6.10 added after E6.1: listed E6.2 then E6.10, each under its id."""
    stage = source / "stage-06-the-therapeutic-alliance"
    stage_file = stage / "stage.yaml"
    stage_file.write_text(
        stage_file.read_text(encoding="utf-8").replace("concepts: 8", "concepts: 10")
    )
    v1 = build(source, tmp_path / "v1.apkg", monkeypatch, 1_780_000_000)
    for number in (10, 2):
        (stage / f"e6-{number}.yaml").write_text(
            f"id: E6.{number}\ntitle: Concept {number}\nposition: {number}\n"
            f"pitfalls:\n  - Skipping the agenda check-in before concept {number} work starts.\n",
            encoding="utf-8",
        )
    v2 = build(source, tmp_path / "v2.apkg", monkeypatch, 1_780_086_400)
    code, out, _ = run_cli("diff", str(v1), str(v2))
    assert code == 0
    headings = [line for line in out.splitlines() if not line.startswith(" ")]
    assert headings == ["E6.2", "E6.10"]


def test_dry_run_reports_the_release_and_writes_nothing(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """build --dry-run lists new, updated and retired notes and a deck rename; writes nothing."""
    build(source, tmp_path / "v1.apkg", monkeypatch, 1_780_000_000)
    ledger = (source / "pathdeck.lock").read_bytes()
    data = yaml.safe_load((source / E61).read_text(encoding="utf-8"))
    edit(source, {"pitfalls": data["pitfalls"][:-1], "anchor": "A rewritten anchor."})
    stage_file = source / "stage-06-the-therapeutic-alliance" / "stage.yaml"
    stage_file.write_text(stage_file.read_text(encoding="utf-8").replace("Therapeutic ", ""))
    target = tmp_path / "v2.apkg"
    code, out, _ = run_cli("build", str(source), "-o", str(target), "--dry-run", "--json")
    report = json.loads(out)
    assert (code, report["dry_run"], report["outputs"]) == (0, True, [str(target)])
    statuses = [c["status"] for c in report["builds"][0]["changes"]]
    # the rewritten anchor is a new note and the old one retires, beside the removed pitfall
    assert (set(statuses), statuses.count("retired")) == ({"new", "retired", "updated"}, 2)
    assert [w["code"] for w in report["warnings"]] == ["deck-renamed"]
    assert not target.exists()
    assert (source / "pathdeck.lock").read_bytes() == ledger


@pytest.mark.anki
@pytest.mark.parametrize("kind", ["apkg", "apkg-legacy"])
def test_diff_reads_packages_anki_exported(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """A learner's export (modern zstd or legacy) against the next release: only the edit shows."""
    from anki_helpers import fresh_collection, import_default
    from insights_support import export_as

    v1 = build(source, tmp_path / "v1.apkg", monkeypatch, 1_780_000_000)
    col = fresh_collection(tmp_path / "anki")
    import_default(col, v1)
    exported = export_as(col, tmp_path / "exported", "learner", kind)
    col.close()
    assert run_cli("diff", str(exported), str(v1), "--exit-code")[0] == 0
    anchor = yaml.safe_load((source / E61).read_text(encoding="utf-8"))["anchor"]
    edit(source, {"anchor": anchor.replace("Build it", "Build the alliance")})  # an update
    v2 = build(source, tmp_path / "v2.apkg", monkeypatch, 1_780_086_400)
    code, out, _ = run_cli("diff", str(exported), str(v2), "--json")
    counts = json.loads(out)["counts"]
    assert code == 0
    assert counts == json.loads(run_cli("diff", str(v1), str(v2), "--json")[1])["counts"]
    assert (counts["new"], counts["not_delivered"]) == (0, 0)
    assert counts["updated"] > 0
