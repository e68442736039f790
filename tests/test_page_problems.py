"""Pages as they arrive: Windows line endings, typed dashes, odd labels, missing titles and
positions already taken are read exactly or refused at their line, never silently mis-parsed."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anki_helpers import fresh_collection, import_default, review_every_card
from conftest import FIXTURES
from pathdeck.curriculum import Concept
from pathdeck.pages.importer import ImportResult, import_pages
from pathdeck.pages.items import split_red_flag
from pathdeck.pages.parse import ParsedPage, decode_page, parse_page
from pathdeck.pages.render import render_page
from pathdeck.pipeline import build, check
from pathdeck.problems import ContentError, Location
from pathdeck.source import decode
from test_pages import concepts

PAGES = FIXTURES / "pages"
PROBLEMS = FIXTURES / "page-problems"
REAL_PAGES = sorted(PAGES.glob("*.txt"))


def parsed(text: str) -> ParsedPage:
    """A page parsed under one name, whatever its line endings."""
    return parse_page(text, "page.txt")


def errors_of(path: Path) -> list[tuple[int, int, str]]:
    """(line, column, code) of every error a fixture page raises."""
    with pytest.raises(ContentError) as raised:
        parse_page(path.read_text(encoding="utf-8"), path.name)
    return [(p.location.line, p.location.column, p.code) for p in raised.value.errors]


def run_import(pages: list[Path], into: Path, *, force: bool = False) -> ImportResult:
    """`pathdeck import PAGES --into INTO` as a function."""
    return import_pages(pages, into, force=force, course_title=None)


@pytest.mark.parametrize("page", REAL_PAGES, ids=lambda p: p.stem)
@pytest.mark.parametrize("ending", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_crlf_and_cr_pages_read_exactly_like_lf(page: Path, ending: str) -> None:
    """A page saved with Windows (CRLF) or old Mac (CR) line endings gives the same concept,
    warnings and locations as the same page with LF endings."""
    text = page.read_text(encoding="utf-8")
    assert parsed(text.replace("\n", ending)) == parsed(text)


def test_crlf_page_imports_byte_for_byte_like_lf(tmp_path: Path) -> None:
    """`import` of a CRLF page writes the very file the LF page writes."""
    page = REAL_PAGES[0]
    crlf = tmp_path / "crlf" / page.name
    crlf.parent.mkdir()
    crlf.write_bytes(page.read_bytes().replace(b"\n", b"\r\n"))
    run_import([page], tmp_path / "lf-decks")
    result = run_import([crlf], tmp_path / "crlf-decks")
    assert result.ok
    written = result.imported[0].path
    twin = tmp_path / "lf-decks" / written.relative_to(tmp_path / "crlf-decks")
    assert written.read_bytes() == twin.read_bytes()


def test_non_utf8_byte_in_a_cr_page_is_located_by_line() -> None:
    """Line numbers of an encoding error count CR line endings too."""
    with pytest.raises(ContentError) as raised:
        decode_page("page.txt", b"Stage 6: X\rConcept 1 of 8\rE6.\xff1\r")
    assert raised.value.problems[0].location == Location("page.txt", 3, 4)


def test_non_utf8_byte_after_accents_is_located_by_character() -> None:
    """The column of an encoding error counts characters, as an editor shows them, not bytes;
    a page and a source file locate the byte alike."""
    data = "Stage 6: Équipe — Sécurité ".encode() + b"\xff"
    with pytest.raises(ContentError) as raised:
        decode_page("page.txt", data)
    assert raised.value.problems[0].location == Location("page.txt", 1, 28)
    assert decode("page.txt", data)[1][0].location == Location("page.txt", 1, 28)


@pytest.mark.parametrize(
    ("line", "sign", "meaning"),
    [
        ("Access to the means - remove them first.", "Access to the means", "remove them first."),
        ("No reason for living -- senior review.", "No reason for living", "senior review."),
        ("Declines to share--discuss limits.", "Declines to share", "discuss limits."),
        ("Drop-off in follow-up - review", "Drop-off in follow-up", "review"),
        ("Wandering at night —", "Wandering at night", None),
        ("Chest pain — call — now", "Chest pain", "call — now"),
    ],
)
def test_typed_dashes_that_are_unambiguous_split(line: str, sign: str, meaning: str | None) -> None:
    """One ' - ', ' -- ' or '--' separates sign and meaning; hyphens inside words never do."""
    assert split_red_flag(line) == (sign, meaning)


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("Intoxicated - reassess when sober - do not discharge.", "several ' - ' or '--'"),
        ("Agitated -- sedate -- call security.", "several ' - ' or '--'"),
        ("New command hallucinations—urgent review.", "no spaces around it"),
        ("Rising lactate–call the registrar.", "no spaces around it"),
    ],
)
def test_ambiguous_dashes_are_refused(line: str, why: str) -> None:
    """Where the sign ends is not guessed: the line is refused with the reason."""
    with pytest.raises(ValueError, match=why):
        split_red_flag(line)


def test_typed_dashes_page_is_refused_at_the_ambiguous_flags() -> None:
    """A real-looking page: its two unclear red flags are errors at their lines, nothing else."""
    assert errors_of(PROBLEMS / "stage-08-concept-2-typed-dashes.txt") == [
        (23, 3, "page-bad-red-flag"),
        (24, 3, "page-bad-red-flag"),
    ]


def test_typed_dashes_page_reads_once_the_flags_are_fixed() -> None:
    """With those two lines fixed, ' - ', ' -- ' and '--' flags split where the educator meant."""
    text = (PROBLEMS / "stage-08-concept-2-typed-dashes.txt").read_text(encoding="utf-8")
    text = text.replace("sober - do not", "sober; do not").replace("tions—urgent", "tions — urgent")
    flags = [(f.sign, f.meaning) for f in parsed(text).concept.red_flags]
    assert flags == [
        ("Access to the means used in this episode", "remove or secure them before discharge."),
        ("Plan describes no reason for living", "senior review before discharge."),
        ("Patient declines to share the plan with anyone", "discuss confidentiality limits."),
        ("Intoxicated at assessment", "reassess when sober; do not discharge yet."),
        ("New command hallucinations", "urgent psychiatric review."),
    ]


def test_flag_without_a_dash_is_a_located_warning() -> None:
    """A flag with no dash at all is all sign, and the page says so at its line."""
    text = (PAGES / "stage-11-concept-1-capacity.txt").read_text(encoding="utf-8")
    page = parsed(text)
    assert page.concept.red_flags[-1].meaning is None
    assert [(w.location.line, w.code) for w in page.warnings if "red-flag" in w.code] == [
        (28, "page-red-flag-without-meaning")
    ]
    silenced = parsed(text.replace("time-critical.", "time-critical —"))
    assert [w.code for w in silenced.warnings if "red-flag" in w.code] == []


def test_odd_but_clear_labels_are_recognised() -> None:
    """`Red flags & escalate:`, a zero-width space and a no-break space in labels still label."""
    concept = parsed(
        (PROBLEMS / "stage-08-concept-3-odd-labels.txt").read_text(encoding="utf-8")
    ).concept
    assert concept.opening_move is not None
    assert concept.opening_move.startswith("Ask the patient first")
    assert [(f.sign, f.meaning) for f in concept.red_flags] == [
        (
            "Family report a sudden change the patient denies",
            "weigh both; arrange a second assessment.",
        )
    ]
    assert concept.prove_it is not None
    assert concept.prove_it.scenario.startswith("A mother phones")
    assert concept.body == ()


@pytest.mark.parametrize(
    "label",
    [
        "Red flags and escalate:",
        "RED FLAGS + ESCALATE:",
        "Red flags\u200b / escalate:",
        "Red flags\u2060:",
    ],
)
def test_inline_red_flag_label_variants(label: str) -> None:
    """Each spelling of the inline red-flag label reads its flag, none goes to the body."""
    header = "Stage 6: The Alliance\nConcept 1 of 8\nE6.1\n\nAlliance Foundations\n\n"
    page = parsed(f"{header}Encounter card\n{label} Stops coming — alliance issue\n")
    assert [f.sign for f in page.concept.red_flags] == ["Stops coming"]


def test_misspelt_labels_are_located_errors() -> None:
    """A line that comes close to a label without being one is an error, not body text."""
    assert errors_of(PROBLEMS / "stage-08-concept-4-misspelt-label.txt") == [
        (12, 1, "page-unknown-label"),
        (15, 1, "page-unknown-label"),
    ]


def test_short_text_unlike_any_label_stays_text() -> None:
    """Short body lines that only share words with a label are read as body, as before."""
    header = "Stage 6: The Alliance\nConcept 1 of 8\nE6.1\n\nAlliance Foundations\n\n"
    text = (
        f"{header}Encounter card\nSetting\nA.\nListen for\n  • Anchors\n  • Settings\n\n"
        "Key point: K.\n\nDocumentation tips\n\nNotes\n\nSettings.\n"
    )
    page = parsed(text)
    assert page.concept.listen_for == ("Anchors", "Settings")
    assert page.concept.body == ("Documentation tips", "Notes", "Settings.")


def test_page_without_a_title_is_refused_at_the_tagline() -> None:
    """A page whose title line is missing does not take its tagline as the title."""
    assert errors_of(PROBLEMS / "stage-09-concept-1-no-title.txt") == [(5, 1, "page-missing-title")]


@pytest.mark.parametrize(
    "title", ["Capacity vs. Competence", "Why Does Alliance Matter?", "Dosing"]
)
def test_titles_that_end_oddly_are_still_titles(title: str) -> None:
    """A title may end in an abbreviation or a question mark."""
    text = f"Stage 6: The Alliance\nConcept 1 of 8\nE6.1\n\n{title}\n\nTagline.\n"
    assert parsed(text).concept.title == title


def test_import_refuses_a_position_taken_in_the_same_run(tmp_path: Path) -> None:
    """Two pages claiming one position: the second is refused, naming the file of the first."""
    pages = [
        PROBLEMS / "stage-08-concept-1-formulating-risk.txt",
        PROBLEMS / "stage-08-concept-1-second-claim.txt",
    ]
    result = run_import(pages, tmp_path / "decks")
    assert [page.concept_id for page in result.imported] == ["E8.1"]
    (failed,) = result.failed
    (problem,) = failed.problems
    assert (problem.location.line, problem.code) == (2, "duplicate-position")
    assert str(result.imported[0].path) in problem.message
    check(tmp_path / "decks")  # what was written still checks


def test_import_refuses_a_position_an_existing_concept_holds(source: Path, tmp_path: Path) -> None:
    """A page for a new concept at a position a YAML concept holds is refused, naming it."""
    page = tmp_path / "e6-9.txt"
    page.write_text(
        "Stage 6: The Therapeutic Alliance\nConcept 1 of 8\nE6.9\n\nGoals in Common\n\n"
        "Shared goals are agreed, not assumed.\n"
    )
    result = run_import([page], source)
    (failed,) = result.failed
    assert [p.code for p in failed.problems] == ["duplicate-position"]
    assert "e6-1-alliance-foundations.yaml" in failed.problems[0].message
    check(source)  # nothing was written: the course still checks


def test_reimporting_a_concept_at_its_own_position_is_not_a_clash(tmp_path: Path) -> None:
    """--force over the concept that holds the position replaces it."""
    page = PROBLEMS / "stage-08-concept-1-formulating-risk.txt"
    run_import([page], tmp_path / "decks")
    edited = tmp_path / page.name
    edited.write_text(page.read_text(encoding="utf-8").replace("not a score", "never a score"))
    result = run_import([edited], tmp_path / "decks", force=True)
    assert [p.replaced for p in result.imported] == [True]


def test_parsed_page_records_the_concept_line() -> None:
    """The 'Concept K of M' line is kept, so position problems point at it."""
    page = parsed((PAGES / "stage-06-concept-1-alliance-foundations.txt").read_text("utf-8"))
    assert page.concept_line == Location("page.txt", 2, 1)


@pytest.mark.anki
def test_learner_sees_no_change_when_a_page_comes_back_with_windows_line_endings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same page re-exported from Windows, re-imported with --force and rebuilt: the
    learner who studied the first release gets nothing new, updated or retired."""
    page = PAGES / "stage-06-concept-1-alliance-foundations.txt"
    decks, target = tmp_path / "decks", tmp_path / "dist" / "course.apkg"
    run_import([page], decks)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")
    build(decks, target)
    col = fresh_collection(tmp_path / "learner")
    import_default(col, target)
    assert review_every_card(col) == len(col.find_cards(""))
    studied = {cid: col.get_card(cid).reps for cid in col.find_cards("")}
    windows = tmp_path / "windows" / page.name
    windows.parent.mkdir()
    windows.write_bytes(page.read_bytes().replace(b"\n", b"\r\n"))
    assert run_import([windows], decks, force=True).unchanged == (windows,)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780086400")
    report = build(decks, target)
    assert (report.counts["new"], report.counts["updated"], report.counts["retired"]) == (0, 0, 0)
    import_default(col, target)
    assert {cid: col.get_card(cid).reps for cid in col.find_cards("")} == studied
    col.close()


@pytest.mark.anki
def test_typed_dash_meanings_never_reach_a_card_front(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Red flags typed with ' - ' and '--' give cards whose fronts show the sign, not the meaning."""
    text = (PROBLEMS / "stage-08-concept-2-typed-dashes.txt").read_text(encoding="utf-8")
    page = tmp_path / "e8-2.txt"
    page.write_text(
        text.replace("sober - do not", "sober; do not").replace("tions—urgent", "tions — urgent")
    )
    assert run_import([page], tmp_path / "decks").ok
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")
    target = build(tmp_path / "decks", tmp_path / "course.apkg").output
    col = fresh_collection(tmp_path / "learner")
    import_default(col, target)
    flags = [col.get_note(nid) for nid in col.find_notes("tag:pathdeck::role::red-flag")]
    answers = [" ".join(filter(None, (note["Meaning"], note["Action"]))) for note in flags]
    assert sorted(answer.casefold() for answer in answers) == sorted(
        [
            "remove or secure them before discharge.",
            "senior review before discharge.",
            "discuss confidentiality limits.",
            "reassess when sober; do not discharge yet.",
            "urgent psychiatric review.",
        ]
    )
    for note, answer in zip(flags, answers, strict=True):
        for card in note.cards():
            assert answer.casefold() not in card.question().casefold()
    col.close()


@given(concepts(), st.sampled_from(["\r\n", "\r"]))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_page_reads_alike_with_any_line_endings(
    drawn: tuple[Concept, str, int], ending: str
) -> None:
    """Any rendered page, its line endings made CRLF or CR, parses to the LF page's result."""
    concept, stage_title, count = drawn
    text = render_page(concept, stage_title=stage_title, concept_count=count)
    assert parsed(text.replace("\n", ending)) == parsed(text)
