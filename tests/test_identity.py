"""Identity stage: items keep their GUIDs through edits; the ledger refuses to be re-keyed."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from pathdeck.cards import notetypes
from pathdeck.identity import LEDGER_FILE, Entry, guid_for, parse_guid, read_ledger
from pathdeck.identity.ledger import entry_line, json_line, role_named
from pathdeck.pipeline import build
from pathdeck.problems import ContentError
from pathdeck.roles import Role

E61 = "stage-06-the-therapeutic-alliance/e6-1-alliance-foundations.yaml"


def edit(source: Path, change: object) -> None:
    """Apply `change` to E6.1's YAML as a dict."""
    path = source / E61
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def guids(source: Path, role: Role) -> dict[str, str]:
    """Live item text -> GUID for one role of E6.1, from the ledger."""
    ledger = read_ledger(source, "clinical-encounters")
    return {
        e.text: e.guid
        for e in ledger.entries
        if e.role is role and e.concept == "E6.1" and not e.retired
    }


def rebuild(source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, epoch: int) -> None:
    """Build at the given SOURCE_DATE_EPOCH."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    build(source, tmp_path / "out.apkg")


@pytest.fixture
def published(source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """decks/ after a first release."""
    rebuild(source, tmp_path, monkeypatch, 1_780_000_000)
    return source


def test_guid_depends_only_on_course_concept_role_and_key() -> None:
    """The same four names always give the same GUID; any other name gives another."""
    first = guid_for("c", "E1.1", Role.PITFALL, "1")
    assert first == guid_for("c", "E1.1", Role.PITFALL, "1")
    assert first != guid_for("c", "E1.1", Role.PITFALL, "2")
    assert first != guid_for("d", "E1.1", Role.PITFALL, "1")


@given(
    st.from_regex(r"\A[a-z0-9]+(-[a-z0-9]+)*\Z"),
    st.from_regex(r"\A[A-Z]{0,3}[0-9]{1,3}\.[0-9]{1,3}(~[0-9])?\Z"),
    st.sampled_from(list(Role)),
    st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,20}\Z"),
)
def test_guids_split_back_into_their_parts(course: str, concept: str, role: Role, key: str) -> None:
    """Every GUID pathdeck makes names its course, concept key, role and item key, in that order."""
    assert parse_guid(guid_for(course, concept, role, key)) == (course, concept, role, key)


def test_foreign_guids_are_not_read_as_pathdeck_guids() -> None:
    """A learner's own note (Anki's base91 GUIDs) or a wrong role never parses as one of ours."""
    assert parse_guid("f@Zk2`9pQ!") is None
    assert parse_guid("course:E1.1:no-such-role:key") is None
    assert parse_guid("course::pitfall:key") is None


def test_typo_fix_keeps_guid(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A corrected pitfall is recognised as the same item."""
    before = guids(published, Role.PITFALL)
    old = "Ignoring early signals of misalignment."
    edit(published, lambda d: d["pitfalls"].__setitem__(3, "Ignoring early signs of misalignment."))
    rebuild(published, tmp_path, monkeypatch, 1_780_000_100)
    after = guids(published, Role.PITFALL)
    assert after["Ignoring early signs of misalignment."] == before[old]
    assert set(after.values()) == set(before.values())


def test_reorder_keeps_every_guid(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reversing the phrases moves no identity from one phrase to another."""
    before = guids(published, Role.SAMPLE_LANGUAGE)
    edit(published, lambda d: d["sample_language"].reverse())
    rebuild(published, tmp_path, monkeypatch, 1_780_000_100)
    assert guids(published, Role.SAMPLE_LANGUAGE) == before


def test_insert_at_top_keeps_others_and_adds_one(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pitfall inserted first gets a new GUID; the four others keep theirs."""
    before = guids(published, Role.PITFALL)
    edit(published, lambda d: d["pitfalls"].insert(0, "Talking over the patient's priorities."))
    rebuild(published, tmp_path, monkeypatch, 1_780_000_100)
    after = guids(published, Role.PITFALL)
    assert {k: v for k, v in after.items() if k in before} == before
    assert after["Talking over the patient's priorities."] not in before.values()


def test_removed_item_is_retired_and_its_guid_never_reused(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A removed phrase stays in the ledger as retired; a new phrase in its place gets a new GUID."""
    before = guids(published, Role.SAMPLE_LANGUAGE)
    removed = "What are you hoping we can accomplish together?"
    edit(
        published,
        lambda d: d["sample_language"].__setitem__(0, "Where would you like to start today?"),
    )
    rebuild(published, tmp_path, monkeypatch, 1_780_000_100)
    ledger = read_ledger(published, "clinical-encounters")
    retired = [e for e in ledger.entries if e.retired]
    assert [(e.text, e.guid) for e in retired] == [(removed, before[removed])]
    assert (
        guids(published, Role.SAMPLE_LANGUAGE)["Where would you like to start today?"]
        not in before.values()
    )


def test_restored_item_gets_its_guid_back(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Removing a pitfall and later restoring it brings back its original GUID."""
    before = guids(published, Role.PITFALL)
    original = yaml.safe_load((published / E61).read_text(encoding="utf-8"))["pitfalls"]
    edit(published, lambda d: d["pitfalls"].pop(2))
    rebuild(published, tmp_path, monkeypatch, 1_780_000_100)
    edit(published, lambda d: d.__setitem__("pitfalls", original))
    rebuild(published, tmp_path, monkeypatch, 1_780_000_200)
    assert guids(published, Role.PITFALL) == before


def test_explicit_id_survives_a_complete_rewrite(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An item with an explicit id keeps its GUID even when every word changes."""
    edit(
        source,
        lambda d: d["pitfalls"].__setitem__(
            0, {"text": "Old wording of the first pitfall here.", "id": "trait"}
        ),
    )
    rebuild(source, tmp_path, monkeypatch, 1_780_000_000)
    before = guids(source, Role.PITFALL)["Old wording of the first pitfall here."]
    edit(
        source,
        lambda d: d["pitfalls"].__setitem__(
            0, {"text": "Completely new sentence with other words.", "id": "trait"}
        ),
    )
    rebuild(source, tmp_path, monkeypatch, 1_780_000_100)
    assert guids(source, Role.PITFALL)["Completely new sentence with other words."] == before


def test_unchanged_notes_keep_their_mod_time(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the edited note's change time moves; the rest keep the first release's."""
    edit(published, lambda d: d["pitfalls"].__setitem__(3, "Ignoring early signs of misalignment."))
    rebuild(published, tmp_path, monkeypatch, 1_780_000_100)
    changed = {e.text: e.changed for e in read_ledger(published, "clinical-encounters").entries}
    assert changed["Ignoring early signs of misalignment."] == 1_780_000_100
    assert {t for t, c in changed.items() if c == 1_780_000_000} == set(changed) - {
        "Ignoring early signs of misalignment."
    }


def test_same_input_gives_byte_identical_package(source: Path, tmp_path: Path, epoch: int) -> None:
    """Same source, ledger and SOURCE_DATE_EPOCH: the two .apkg files are byte-identical."""
    build(source, tmp_path / "a.apkg")
    build(source, tmp_path / "b.apkg")
    assert (tmp_path / "a.apkg").read_bytes() == (tmp_path / "b.apkg").read_bytes()


def test_build_leaves_no_temporary_files(source: Path, tmp_path: Path, epoch: int) -> None:
    """After a build the output folder holds the package and nothing else."""
    out = tmp_path / "dist"
    build(source, out / "course.apkg")
    assert [p.name for p in out.iterdir()] == ["course.apkg"]
    assert sorted(p.name for p in source.iterdir()) == sorted(
        ["course.yaml", LEDGER_FILE, "pathdeck.schema.json", "stage-06-the-therapeutic-alliance"]
    )


def test_field_change_is_refused(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A note type whose fields would change stops the build and writes nothing."""
    monkeypatch.setitem(notetypes.FIELDS, Role.PITFALL, (*notetypes.FIELDS[Role.PITFALL], "Extra"))
    ledger_before = (published / LEDGER_FILE).read_bytes()
    output_before = (tmp_path / "out.apkg").read_bytes()
    with pytest.raises(ContentError) as caught:
        rebuild(published, tmp_path, monkeypatch, 1_780_000_100)
    assert [p.code for p in caught.value.problems] == ["notetype-schema-changed"]
    assert "conflicting" in caught.value.problems[0].message
    assert (published / LEDGER_FILE).read_bytes() == ledger_before
    assert (tmp_path / "out.apkg").read_bytes() == output_before


def test_field_change_accepted_makes_a_new_version(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the explicit flag, the changed note type is published as version 2 with a new id."""
    old_id = read_ledger(published, "clinical-encounters").notetypes[Role.PITFALL].id
    monkeypatch.setitem(notetypes.FIELDS, Role.PITFALL, (*notetypes.FIELDS[Role.PITFALL], "Extra"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000100")
    build(published, tmp_path / "out.apkg", accept_notetype_changes=True)
    record = read_ledger(published, "clinical-encounters").notetypes[Role.PITFALL]
    assert (record.version, record.id != old_id) == (2, True)


def test_template_change_moves_the_note_type_mod_time(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CSS edit is free: same fields, a newer note type mod so learners receive it."""
    before = read_ledger(published, "clinical-encounters").notetypes[Role.ANCHOR]
    monkeypatch.setattr(notetypes, "stylesheet", lambda: ".card { color: red; }")
    rebuild(published, tmp_path, monkeypatch, 1_780_000_100)
    after = read_ledger(published, "clinical-encounters").notetypes[Role.ANCHOR]
    assert (after.id, after.version) == (before.id, before.version)
    assert after.changed == 1_780_000_100 > before.changed


@pytest.mark.parametrize(
    ("damage", "code"),
    [
        (lambda text: text.replace('"hash": "', '"hash": ', 1), "ledger-corrupt"),
        (lambda text: text + "<<<<<<< HEAD\n", "ledger-conflict"),
        (lambda text: re.sub(r'"key": "\w+"', '"key": "hand"', text, count=1), "ledger-conflict"),
        (lambda text: "", "ledger-missing"),
        (
            lambda text: text.replace('{"pathdeck-ledger": 2', '{"pathdeck-ledger": 1'),
            "ledger-corrupt",
        ),
    ],
    ids=["broken-json", "merge-markers", "hand-edited-key", "emptied", "other-format"],
)
def test_damaged_ledger_is_refused(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: object, code: str
) -> None:
    """A damaged ledger stops the build with its own code; it is never silently re-keyed."""
    ledger = published / LEDGER_FILE
    ledger.write_text(damage(ledger.read_text(encoding="utf-8")), encoding="utf-8")  # type: ignore[operator]
    damaged = ledger.read_bytes()
    with pytest.raises(ContentError) as caught:
        rebuild(published, tmp_path, monkeypatch, 1_780_000_100)
    assert code in {p.code for p in caught.value.problems}
    assert ledger.read_bytes() == damaged


def test_changed_course_id_is_refused(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Renaming the course id would re-key every note, so the build refuses."""
    course = published / "course.yaml"
    course.write_text(course.read_text(encoding="utf-8").replace("clinical-encounters", "renamed"))
    with pytest.raises(ContentError) as caught:
        rebuild(published, tmp_path, monkeypatch, 1_780_000_100)
    assert [p.code for p in caught.value.problems] == ["ledger-course-mismatch"]


def test_locked_build_refuses_to_change_the_ledger(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--locked fails when the source changed but the ledger was not committed with it."""
    edit(published, lambda d: d["pitfalls"].append("A new pitfall nobody published."))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000100")
    with pytest.raises(ContentError) as caught:
        build(published, tmp_path / "out.apkg", locked=True)
    assert [p.code for p in caught.value.problems] == ["ledger-out-of-date"]


def test_moving_a_concept_warns_about_the_deck(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A renamed stage renames its deck; the build warns that Anki will not move cards."""
    stage = published / "stage-06-the-therapeutic-alliance" / "stage.yaml"
    stage.write_text(
        stage.read_text(encoding="utf-8").replace("The Therapeutic Alliance", "Alliance")
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000100")
    report = build(published, tmp_path / "out.apkg")
    assert [w.code for w in report.warnings] == ["deck-renamed"]
    assert "never moves cards" in report.warnings[0].message


def test_committed_ledger_matches_decks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The repository's decks/pathdeck.lock is up to date: a --locked build of decks/ passes."""
    copy = tmp_path / "decks"
    shutil.copytree(Path(__file__).resolve().parent.parent / "decks", copy)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    report = build(copy, tmp_path / "out.apkg", locked=True)
    assert report.counts["new"] == 0


@given(
    text=st.text(),
    key=st.text(min_size=1),
    item_id=st.none() | st.text(),
    changed=st.integers(0, 2**40),
    retired=st.booleans(),
    role=st.sampled_from(list(Role)),
    blanks=st.lists(st.text(), max_size=3),
)
def test_ledger_lines_are_exactly_the_json_encoders(
    text: str,
    key: str,
    item_id: str | None,
    changed: int,
    retired: bool,
    role: Role,
    blanks: list[str],
) -> None:
    """The hand-written ledger line is byte for byte what json would write (quotes, controls...)."""
    entry = Entry(
        guid="c:E6.1:pitfall:abc",
        concept="E6.1",
        role=role,
        key=key,
        id=item_id,
        text=text,
        hash="0123456789abcdef",
        changed=changed,
        retired=retired,
        blanks=tuple(blanks),
    )
    expected: dict[str, object] = {
        "note": entry.guid,
        "concept": entry.concept,
        "role": role.value,
        "key": key,
        "id": item_id,
        "retired": retired,
        "changed": changed,
        "hash": entry.hash,
        "text": text,
    }
    if blanks:
        expected["blanks"] = blanks
    assert entry_line(entry) == json.dumps(expected, ensure_ascii=False)


@given(
    st.one_of(
        st.text(),
        st.from_regex(r'\A\s*\{"note": "[a-z]*", "n": [0-9]{1,3}\}\s*\Z'),
        st.builds(json.dumps, st.recursive(st.none() | st.integers() | st.text(), st.lists)),
    )
)
def test_ledger_lines_parse_exactly_as_json_loads(line: str) -> None:
    """The fast line parser accepts and refuses what json.loads does, with json's own message."""
    try:
        expected = json.loads(line)
    except ValueError as exc:
        with pytest.raises(ValueError, match=re.escape(str(exc))):
            json_line(line)
    else:
        assert json_line(line) == expected


def test_an_unknown_role_is_named_as_enum_lookup_would() -> None:
    """A damaged role reads as Role(...) would report it."""
    with pytest.raises(ValueError, match=re.escape("'pitfal' is not a valid Role")):
        role_named("pitfal")
    assert role_named("pitfall") is Role.PITFALL
