"""Load stage: strict YAML with a location for every key, and clear problems for bad files."""

from __future__ import annotations

import importlib
import re
import tracemalloc
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from conftest import DECKS, FIXTURES
from pathdeck.problems import Problem
from pathdeck.source import (
    LONGEST_MEANINGFUL_WORD,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    NULL_TAG,
    STR_TAG,
    Mapping,
    Node,
    Scalar,
    Sequence,
    decode,
    load_file,
    load_tree,
    parse_text,
    plain_tag,
)

E61 = DECKS / "stage-06-the-therapeutic-alliance" / "e6-1-alliance-foundations.yaml"


def codes(problems: list[Problem]) -> list[tuple[int, int, str]]:
    """(line, column, code) of each problem, in report order."""
    return [(p.location.line, p.location.column, p.code) for p in problems]


def keys(node: Node) -> list[Scalar]:
    """Every mapping key in a tree, depth first."""
    found: list[Scalar] = []
    if isinstance(node, Mapping):
        for key, value in node.entries:
            found.append(key)
            found.extend(keys(value))
    elif isinstance(node, Sequence):
        for item in node.items:
            found.extend(keys(item))
    return found


def text_at(text: str, scalar: Scalar) -> str:
    """The source text starting where a scalar is said to be."""
    line = text.splitlines()[scalar.location.line - 1]
    return line[scalar.location.column - 1 :]


def test_every_key_of_e6_1_points_at_its_text() -> None:
    """Each key of the real concept file is located exactly where its name is written."""
    text = E61.read_text(encoding="utf-8")
    source, problems = parse_text("e6-1.yaml", text)
    assert problems == []
    assert source.root is not None
    found = keys(source.root)
    assert len(found) >= 15
    for key in found:
        assert text_at(text, key).startswith(key.text)


SAFE_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
TREES = st.recursive(
    SAFE_TEXT | st.integers() | st.booleans(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.from_regex(r"[a-z_]{1,12}", fullmatch=True), children, max_size=4)
    ),
    max_leaves=20,
)


@given(st.dictionaries(st.from_regex(r"[a-z_]{1,12}", fullmatch=True), TREES, min_size=1))
def test_every_key_is_located(data: dict[str, object]) -> None:
    """For any YAML PyYAML writes, every key's location is where that key (or its quote) is."""
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    source, problems = parse_text("any.yaml", text)
    assert problems == []
    assert source.root is not None
    for key in keys(source.root):
        assert text_at(text, key).lstrip("'\"").startswith(key.text)


@pytest.mark.parametrize(
    ("written", "tag"),
    [
        ("no", "tag:yaml.org,2002:bool"),
        ("Yes", "tag:yaml.org,2002:bool"),
        ("1.10", "tag:yaml.org,2002:float"),
        ("12", "tag:yaml.org,2002:int"),
        ("2024-01-02", "tag:yaml.org,2002:timestamp"),
        ("~", NULL_TAG),
        ("", NULL_TAG),
        ("<<", STR_TAG),
        ("E6.1", STR_TAG),
        ("Norway", STR_TAG),
    ],
)
def test_plain_scalars_get_yaml_1_1_types(written: str, tag: str) -> None:
    """An unquoted scalar is typed by YAML 1.1's rules, as every YAML tool would read it."""
    assert plain_tag(written) == tag


def test_no_letter_initial_yaml_word_is_longer_than_the_shortcut() -> None:
    """plain_tag skips the resolvers for long letter-initial text: no YAML 1.1 word is that long."""
    # Python 3.11 renamed sre_parse to re._parser; getwidth() is the (min, max) a regex matches.
    regex_parser = getattr(re, "_parser", None) or importlib.import_module("sre_parse")
    widest = {
        (first, tag): regex_parser.parse(pattern.pattern, pattern.flags).getwidth()[1]
        for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
        if first and first.isalpha()
        for tag, pattern in resolvers
    }
    assert widest  # bool and null words start with letters
    assert max(widest.values()) <= LONGEST_MEANINGFUL_WORD, widest


@given(st.text(alphabet="yesnoYESNOtrufalTRUFALnulNULOfFf ", min_size=1, max_size=8))
def test_plain_tag_shortcut_agrees_with_the_resolvers(text: str) -> None:
    """With or without the shortcut, a plain scalar gets the tag PyYAML's resolver gives it."""
    resolver = yaml.resolver.Resolver()
    resolved = resolver.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    assert plain_tag(text) == resolved


def test_quoted_scalars_are_text() -> None:
    """A quoted `no` stays text: quoting is how authors keep such words."""
    source, _ = parse_text("q.yaml", "title: 'no'\n")
    assert isinstance(source.root, Mapping)
    value = source.root.get("title")
    assert isinstance(value, Scalar)
    assert (value.text, value.is_text) == ("no", True)


def test_block_scalars_are_text() -> None:
    """A `|` block keeps its line breaks and is text even when it looks like a number."""
    source, _ = parse_text("b.yaml", "body: |\n  1.10\n  second line\n")
    assert isinstance(source.root, Mapping)
    value = source.root.get("body")
    assert isinstance(value, Scalar)
    assert (value.text, value.is_text) == ("1.10\nsecond line\n", True)


def test_duplicate_keys_are_errors_at_the_second() -> None:
    """A key written twice is reported where it is repeated, and the first value is kept."""
    source, problems = parse_text("d.yaml", "title: A\nid: x\ntitle: B\n")
    assert codes(problems) == [(3, 1, "duplicate-key")]
    assert isinstance(source.root, Mapping)
    value = source.root.get("title")
    assert isinstance(value, Scalar)
    assert value.text == "A"


def test_a_list_as_key_is_an_error() -> None:
    """A complex key (`? [a]`) is refused at the key."""
    _, problems = parse_text("k.yaml", "? [a]\n: b\nc: d\n")
    assert codes(problems) == [(1, 3, "bad-key")]


def test_anchor_is_refused() -> None:
    """An anchor alone, never used, is refused where it is defined."""
    source, problems = parse_text("a.yaml", "title: &t Opening\n")
    assert codes(problems) == [(1, 8, "yaml-alias")]
    assert source.root is None


def test_alias_bomb_fails_without_eating_memory() -> None:
    """The alias-bomb fixture fails at its first anchor while loading allocates under 1 MB."""
    path = FIXTURES / "alias-bomb" / "stage-01" / "e1-1.yaml"
    assert path.stat().st_size < 500
    tracemalloc.start()
    try:
        _, problems = load_file(path, "bomb.yaml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert codes(problems) == [(1, 4, "yaml-alias")]
    assert peak < 1024 * 1024


def test_tags_are_refused() -> None:
    """An explicit tag (`!!python/object`) is refused, never constructed."""
    _, problems = parse_text("t.yaml", "a: !!python/object:os.system ls\n")
    assert codes(problems) == [(1, 4, "yaml-tag")]


def test_nesting_is_bounded() -> None:
    """Deep nesting stops at the depth limit, at the bracket that crosses it."""
    _, problems = parse_text("n.yaml", "a: " + "[" * 500 + "]" * 500 + "\n")
    assert codes(problems) == [(1, 4 + MAX_DEPTH - 1, "yaml-too-deep")]


def test_extreme_nesting_is_a_problem_not_a_crash() -> None:
    """Ten thousand nested brackets give one problem, never a RecursionError."""
    _, problems = parse_text("n.yaml", "a: " + "[" * 10_000 + "]" * 10_000 + "\n")
    assert [p.code for p in problems] in (["yaml-too-deep"], ["yaml-syntax"])


def test_second_document_is_located() -> None:
    """A second `---` document is reported at its own line."""
    _, problems = parse_text("m.yaml", "a: 1\n---\nb: 2\n")
    assert codes(problems) == [(2, 1, "multiple-documents")]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n", "~\n"])
def test_empty_files_are_errors(text: str) -> None:
    """Nothing, blank lines, comments only, a bare `---` or `~`: all are an empty file."""
    source, problems = parse_text("e.yaml", text)
    assert (source.root, codes(problems)) == (None, [(1, 1, "empty-file")])


def test_syntax_error_hints_at_unquoted_colon() -> None:
    """Text with ': ' left unquoted gets the syntax error and a hint to quote it."""
    _, problems = parse_text("s.yaml", "title: Bond: warmth\n")
    assert codes(problems) == [(1, 12, "yaml-syntax")]
    assert "quotes" in problems[0].message


def test_tab_indentation_hint() -> None:
    """A tab used for indentation is named as such."""
    _, problems = parse_text("s.yaml", "a:\n\tb: c\n")
    assert codes(problems) == [(2, 1, "yaml-syntax")]
    assert "tabs" in problems[0].message


def test_control_character_is_located() -> None:
    """A control character is reported at its own line and column."""
    _, problems = parse_text("c.yaml", "a: ok\nb: éé\x07\n")
    assert codes(problems) == [(2, 6, "control-character")]


def test_lone_surrogate_is_a_problem() -> None:
    """Text holding an unpaired surrogate (only possible from str input) is a problem, not a crash."""
    _, problems = parse_text("u.yaml", "a: \ud800\n")
    assert codes(problems) == [(1, 4, "not-utf8")]


def test_non_utf8_bytes_are_located() -> None:
    """The first byte that is not UTF-8 is reported by line and character column."""
    text, problems = decode("l.yaml", "a: ü\n".encode() + b"b: caf\xe9\n")
    assert text is None
    assert codes(problems) == [(2, 7, "not-utf8")]


def test_non_utf8_byte_in_a_cr_file_is_located_by_line() -> None:
    """Old Mac (CR) line endings count as line ends, as YAML itself counts them."""
    _, problems = decode("cr.yaml", b"a: 1\rb: caf\xe9\r")
    assert codes(problems) == [(2, 7, "not-utf8")]


def test_byte_order_mark_is_accepted() -> None:
    """A UTF-8 byte order mark (as Windows editors write) is dropped, not an error."""
    text, problems = decode("bom.yaml", b"\xef\xbb\xbftitle: x\n")
    assert (text, problems) == ("title: x\n", [])


def test_crlf_line_endings_give_the_same_locations() -> None:
    """Windows line endings locate keys exactly as Unix ones do."""
    unix, _ = parse_text("u.yaml", "a: 1\nb:\n  - c\n")
    windows, _ = parse_text("u.yaml", "a: 1\r\nb:\r\n  - c\r\n")
    assert unix == windows


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    """A file over the size limit is one problem, without being parsed."""
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: " + b"x" * MAX_FILE_BYTES + b"\n")
    source, problems = load_file(big, "big.yaml")
    assert (source.root, codes(problems)) == (None, [(1, 1, "file-too-large")])


def test_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    """A path that cannot be read as a file is a problem naming it, not an OSError."""
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    source, problems = load_file(folder, "folder.yaml")
    assert (source.root, codes(problems)) == (None, [(1, 1, "unreadable-file")])


def test_tree_skips_hidden_and_draft_files(tmp_path: Path) -> None:
    """Dot-files and names starting with '_' are not loaded, in the root or in stage folders."""
    (tmp_path / "course.yaml").write_text("id: c\ntitle: C\n")
    stage = tmp_path / "stage-01"
    stage.mkdir()
    (stage / "stage.yaml").write_text("number: 1\ntitle: S\nconcepts: 1\n")
    (stage / "e1-1.yaml").write_text("id: E1.1\n")
    (stage / "_draft.yaml").write_text(": not yaml [\n")
    (stage / ".e1-1.yaml.swp").write_text(": not yaml [\n")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.yaml").write_text(": not yaml [\n")
    tree = load_tree(tmp_path)
    assert tree.problems == ()
    assert [Path(c.path).name for s in tree.stages for c in s.concepts] == ["e1-1.yaml"]


def test_folder_without_yaml_is_not_a_stage(tmp_path: Path) -> None:
    """A folder of images beside the stages is not taken for a stage."""
    (tmp_path / "course.yaml").write_text("id: c\ntitle: C\n")
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "figure.png").write_bytes(b"\x89PNG")
    tree = load_tree(tmp_path)
    assert (tree.stages, tree.problems) == ((), ())


def test_paths_are_shown_relative_to_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An absolute source path under the working folder is reported relative to it."""
    (tmp_path / "decks").mkdir()
    (tmp_path / "decks" / "course.yaml").write_text("id: c\ntitle: [\n")
    monkeypatch.chdir(tmp_path)
    tree = load_tree(tmp_path / "decks")
    assert [p.location.path for p in tree.problems] == [str(Path("decks") / "course.yaml")]


def test_escaped_control_character_is_refused() -> None:
    """A control character made by a double-quoted escape ("\\a") is refused like a raw one."""
    _, problems = parse_text("c.yaml", 'a: "tab\\tis fine"\nb: "bell\\a"\n')
    assert codes(problems) == [(2, 4, "control-character")]


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        # a key indented under a key that already has its text
        ("id: E6.1\n title: T\n", (2, 2), "deeper than the key on line 1 (0 spaces)"),
        (
            "prove_it:\n  scenario: x\n   model_answer: y\n",
            (3, 4),
            "deeper than the key on line 2 (2 spaces)",
        ),
        (
            "pitfalls:\n  - text: two\n     prompt: x\n",
            (3, 6),
            "deeper than the key on line 2 (4 spaces)",
        ),
        # an indent no enclosing block uses
        ("pitfalls:\n  - one\n - two\n", (3, 2), "a level no line above uses (0, 2)"),
        ("a:\n  b: 1\n c: 2\n", (3, 2), "a level no line above uses (0, 2)"),
    ],
)
def test_indentation_errors_say_so_at_the_line_they_start(
    text: str, where: tuple[int, int], words: str
) -> None:
    """A wrongly indented line is reported as an indentation mistake, at its first character."""
    _, problems = parse_text("c.yaml", text)
    [problem] = problems
    assert (problem.location.line, problem.location.column, problem.code) == (*where, "yaml-syntax")
    assert "wrong indentation" in problem.message
    assert words in problem.message
    assert "quotes" not in problem.message


def test_text_with_a_colon_still_gets_the_quotes_hint() -> None:
    """An unquoted ': ' inside text is not taken for an indentation mistake."""
    _, problems = parse_text("c.yaml", "title: Debrief: what now\n")
    assert "put the whole text in quotes" in problems[0].message


@given(
    keys=st.lists(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8).filter(
            lambda k: k[0] != "_"
        ),
        min_size=2,
        max_size=6,
        unique=True,
    ),
    data=st.data(),
)
def test_any_key_indented_too_deep_is_named_at_its_line(
    keys: list[str], data: st.DataObject
) -> None:
    """In any mapping of `key: text` lines, one line indented deeper is reported as wrong
    indentation at that line's first character."""
    row = data.draw(st.integers(min_value=1, max_value=len(keys) - 1))
    extra = data.draw(st.integers(min_value=1, max_value=6))
    lines = [f"{key}: some text here" for key in keys]
    lines[row] = " " * extra + lines[row]
    _, problems = parse_text("c.yaml", "\n".join(lines) + "\n")
    [problem] = problems
    assert (problem.location.line, problem.location.column) == (row + 1, extra + 1)
    assert "wrong indentation" in problem.message
