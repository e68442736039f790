"""Fuzzing: random and mutated input to the loader, validator and page importer gives a clean
diagnostic or a success, never a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import DECKS, FIXTURES
from pathdeck.cards import course_notes
from pathdeck.pages.documents import dump_concept
from pathdeck.pages.parse import decode_page, parse_page
from pathdeck.problems import ContentError, Problem
from pathdeck.source import SourceFile, SourceTree, StageFiles, decode, parse_text
from pathdeck.validate import schema, validate

# Thousands of cases in all, yet the whole module runs in well under a minute on two cores.
FUZZ = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

E61_YAML = (
    DECKS / "stage-06-the-therapeutic-alliance" / "e6-1-alliance-foundations.yaml"
).read_text(encoding="utf-8")
E62_YAML = E61_YAML.replace("id: E6.1", "id: E6.2").replace("position: 1", "position: 2")
PAGES = sorted((FIXTURES / "pages").glob("*.txt"))
E61_PAGE = PAGES[0].read_text(encoding="utf-8")
COURSE = "id: fuzz-course\ntitle: Fuzz Course\n"
STAGE = "number: 6\ntitle: The Therapeutic Alliance\nconcepts: 8\n"
# Characters with a meaning in YAML or in the page format: the likeliest to break a parser.
SPECIAL = st.sampled_from(
    [*":-?[]{},#&*!|>'\"%@`\t\n\r ~.•—", "\ufeff", "\x00", "\x85", "é", "---", "...", "- "]
)


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """`text` after a few random insertions, deletions and replacements."""
    for _ in range(draw(st.integers(1, 6))):
        where = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "duplicate"]))
        piece = draw(SPECIAL | st.text(max_size=4))
        if action == "insert":
            text = text[:where] + piece + text[where:]
        elif action == "delete":
            text = text[:where] + text[where + draw(st.integers(1, 40)) :]
        elif action == "replace":
            text = text[:where] + piece + text[where + 1 :]
        else:
            end = draw(st.integers(where, min(len(text), where + 200)))
            text = text[:end] + text[where:end] + text[end:]
    return text


def assert_clean(problems: list[Problem] | tuple[Problem, ...]) -> None:
    """Every problem is a proper diagnostic: a code, a message and a 1-based location."""
    for problem in problems:
        assert problem.code
        assert problem.message
        assert problem.location.line >= 1
        assert problem.location.column >= 1


def assert_failed_cleanly(error: ContentError) -> None:
    """A refusal carries at least one error, and only clean diagnostics."""
    event("refused")  # `pytest --hypothesis-show-statistics` shows how often each outcome came up
    assert error.errors
    assert_clean(error.problems)


def check_tree(course: str, stage: str, concepts: list[str]) -> None:
    """Load and validate an in-memory source tree; a success must also give its notes."""
    problems: list[Problem] = []

    def parse(path: str, text: str) -> SourceFile:
        source, found = parse_text(path, text)
        problems.extend(found)
        return source

    stages = StageFiles(
        "stage-06",
        parse("stage-06/stage.yaml", stage),
        tuple(parse(f"stage-06/c{i}.yaml", text) for i, text in enumerate(concepts)),
    )
    tree = SourceTree(Path("fuzz"), parse("course.yaml", course), (stages,), tuple(problems))
    try:
        report = validate(tree)
    except ContentError as exc:
        assert_failed_cleanly(exc)
        return
    event("valid")
    assert_clean(report.warnings)
    for note in course_notes(report.course):
        assert "<script" not in "".join(note.fields)


# ------------------------------------------------------------------------------ loader


@FUZZ
@given(st.text())
def test_loader_on_random_text(text: str) -> None:
    """Any text parses to a tree or to problems, and a file without a tree says why."""
    source, problems = parse_text("random.yaml", text)
    assert_clean(problems)
    assert source.root is not None or problems


@FUZZ
@given(st.binary())
def test_loader_on_random_bytes(data: bytes) -> None:
    """Any bytes decode and parse, or give a located problem."""
    text, problems = decode("random.yaml", data)
    if text is not None:
        _, problems = parse_text("random.yaml", text)
    assert_clean(problems)


@FUZZ
@given(mutated(E61_YAML))
def test_loader_on_mutated_concepts(text: str) -> None:
    """The real concept file, randomly damaged, parses or gives located problems."""
    source, problems = parse_text("e6-1.yaml", text)
    assert_clean(problems)
    assert source.root is not None or problems


# ------------------------------------------------------------------------------ validator

SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | st.dates()
)
VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["text", "id", "sign", "scenario", "x"]), children, max_size=3
        )
    ),
    max_leaves=8,
)
CONCEPT_KEYS = [*schema.CONCEPT.fields, "pitfals", "Title"]


TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), min_size=1, max_size=40
)


def from_schema(field: schema.Field) -> st.SearchStrategy[Any]:
    """Values shaped like the declared schema, with any text: valid files with hostile content."""
    if isinstance(field, schema.Text):
        return TEXT
    if isinstance(field, schema.Integer):
        return st.integers(field.minimum, 8)
    if isinstance(field, schema.ListOf):
        return st.lists(from_schema(field.item), min_size=field.min_items, max_size=3)
    required = {k: from_schema(f) for k, f in field.fields.items() if f.required}
    optional = {k: from_schema(f) for k, f in field.fields.items() if not f.required}
    return st.fixed_dictionaries(required, optional=optional)


@st.composite
def concept_documents(draw: st.DrawFn) -> str:
    """A concept file shaped like the schema, or with schema keys holding values of any type."""
    if draw(st.booleans()):
        document = draw(from_schema(schema.CONCEPT))
        document["id"] = f"E6.{draw(st.integers(1, 8))}"
    else:
        document = draw(st.dictionaries(st.sampled_from(CONCEPT_KEYS), VALUES))
    return yaml.safe_dump(document, allow_unicode=True)


@FEW
@given(st.lists(concept_documents(), min_size=1, max_size=3))
def test_validator_on_random_documents(concepts: list[str]) -> None:
    """Concepts of random shape validate, or fail with clean diagnostics; never a traceback."""
    check_tree(COURSE, STAGE, concepts)


@FEW
@given(mutated(E61_YAML), mutated(STAGE), mutated(COURSE))
def test_validator_on_mutated_trees(concept: str, stage: str, course: str) -> None:
    """A damaged course, stage and concept validate or fail cleanly, all files at once."""
    check_tree(course, stage, [concept, E62_YAML])


# ------------------------------------------------------------------------------ page importer


def import_page(text: str) -> None:
    """Parse a page; when it parses, its YAML must pass the validator like any hand-written file."""
    try:
        page = parse_page(text, "page.txt")
    except ContentError as exc:
        assert_failed_cleanly(exc)
        return
    assert_clean(page.warnings)
    stage = f"number: {page.stage_number}\ntitle: T\nconcepts: {page.concept_count}\n"
    concept = dump_concept(page.concept)
    problems: list[Problem] = []
    stage_file, found = parse_text("stage.yaml", stage)
    problems += found
    concept_file, found = parse_text("concept.yaml", concept)
    problems += found
    course_file, found = parse_text("course.yaml", COURSE)
    problems += found
    tree = SourceTree(
        Path("imported"),
        course_file,
        (StageFiles("s", stage_file, (concept_file,)),),
        tuple(problems),
    )
    validate(tree)  # raises ContentError if the importer wrote YAML the validator refuses
    event("imported")


@FUZZ
@given(st.text())
def test_importer_on_random_text(text: str) -> None:
    """Any text is a page or a clean diagnostic."""
    import_page(text)


@FUZZ
@given(st.binary())
def test_importer_on_random_bytes(data: bytes) -> None:
    """Any bytes decode to a page's text or give a clean diagnostic."""
    try:
        text = decode_page("page.txt", data)
    except ContentError as exc:
        assert_failed_cleanly(exc)
        return
    import_page(text)


@FUZZ
@given(st.sampled_from(PAGES).flatmap(lambda page: mutated(page.read_text(encoding="utf-8"))))
def test_importer_on_mutated_pages(text: str) -> None:
    """Real pages, randomly damaged, import to valid YAML or give clean diagnostics."""
    import_page(text)
