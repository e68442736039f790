"""`pathdeck preview`: a static gallery of every card, rendered by the official Anki library."""

from __future__ import annotations

import html
import json
import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from anki_helpers import fresh_collection, import_default
from cli_support import run_cli
from pathdeck.pipeline import build
from pathdeck.tools.preview import MARKER, frame_document

pytestmark = pytest.mark.anki

E61 = "stage-06-the-therapeutic-alliance/e6-1-alliance-foundations.yaml"
DECKS = Path(__file__).resolve().parent.parent / "decks"


def written(folder: Path) -> dict[str, str]:
    """Every file of a gallery folder by relative path."""
    return {
        str(path.relative_to(folder)): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_preview_prints_the_index_path(source: Path, tmp_path: Path) -> None:
    """preview writes index.html and a page per concept, and prints the index's path on stdout."""
    out = tmp_path / "site"
    code, stdout, _ = run_cli("preview", str(source), "-o", str(out))
    assert (code, stdout.strip()) == (0, str(out / "index.html"))
    assert sorted(written(out)) == [MARKER, "cards/e6-1.html", "index.html"]


def test_preview_shows_every_card_exactly_as_anki_renders_it(
    source: Path, tmp_path: Path, epoch: int
) -> None:
    """Each card's front and back, as a learner's Anki renders them, are on the concept page."""
    run_cli("preview", str(source), "-o", str(tmp_path / "site"))
    page = (tmp_path / "site" / "cards" / "e6-1.html").read_text(encoding="utf-8")
    build(source, tmp_path / "deck.apkg")
    col = fresh_collection(tmp_path / "learner")
    import_default(col, tmp_path / "deck.apkg")
    cards = [col.get_card(card_id) for card_id in col.find_cards("")]
    missing = [
        card.id
        for card in cards
        for side in (card.question(), card.answer())
        if html.escape(frame_document(side, card.ord), quote=True) not in page
    ]
    col.close()
    assert cards
    assert missing == []


def test_index_lists_every_card_by_stage_and_concept(source: Path, tmp_path: Path) -> None:
    """The index links each card under its stage and concept, in the order learners meet them."""
    run_cli("preview", str(source), "-o", str(tmp_path / "site"))
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    page = (tmp_path / "site" / "cards" / "e6-1.html").read_text(encoding="utf-8")
    stage = index.index("Stage 6 · The Therapeutic Alliance")
    concept = index.index("E6.1 Alliance Foundations")
    links = re.findall(r'href="cards/e6-1\.html#card-(\d+)"', index)
    assert stage < concept
    assert links == [str(n) for n in range(1, page.count('<section class="pv-card"') + 1)]
    assert len(links) > 1


def test_preview_never_touches_the_source(tmp_path: Path) -> None:
    """Previewing a published course leaves its files, ledger included, byte for byte as they were."""
    source = tmp_path / "decks"
    shutil.copytree(DECKS, source)
    before = {p: p.read_bytes() for p in sorted(source.rglob("*")) if p.is_file()}
    code, _, _ = run_cli("preview", str(source), "-o", str(tmp_path / "site"))
    after = {p: p.read_bytes() for p in sorted(source.rglob("*")) if p.is_file()}
    assert (code, after == before) == (0, True)


def test_gallery_works_offline(source: Path, tmp_path: Path) -> None:
    """No page of the gallery refers to anything outside it: no URLs, no linked files."""
    run_cli("preview", str(source), "-o", str(tmp_path / "site"))
    remote = re.compile(r"https?:|//[a-z]|<link|<img|@import|url\(", re.IGNORECASE)
    offenders = {name: remote.findall(text) for name, text in written(tmp_path / "site").items()}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_night_frame_has_the_classes_anki_gives_a_night_card() -> None:
    """A night-mode card side sits in a body with Anki's classes: card, cardN, nightMode, night_mode."""
    document = frame_document("<p>front</p>", 1, night=True)
    assert '<body class="card card2 nightMode night_mode">' in document


def test_preview_without_anki_says_how_to_install_it(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the anki package, preview exits 2 (usage, not content) with the pip command."""
    for name in [m for m in sys.modules if m == "anki" or m.startswith("anki.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "anki", None)
    code, stdout, stderr = run_cli("preview", str(source), "-o", str(tmp_path / "site"))
    assert (code, stdout) == (2, "")
    assert "pip install 'pathdeck[preview]'" in stderr
    assert "Traceback" not in stderr
    assert not (tmp_path / "site").exists()


def test_content_problems_stop_the_preview(source: Path, tmp_path: Path) -> None:
    """A source with errors exits 1 with path:line:col diagnostics and writes no gallery."""
    concept = source / E61
    data = yaml.safe_load(concept.read_text(encoding="utf-8"))
    data["pitfals"] = data.pop("pitfalls")
    concept.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    code, _, stderr = run_cli("preview", str(source), "-o", str(tmp_path / "site"))
    assert code == 1
    assert f"{concept}:" in stderr
    assert not (tmp_path / "site").exists()


def test_preview_refuses_a_folder_that_is_not_a_gallery(source: Path, tmp_path: Path) -> None:
    """Pointed at a non-empty folder it did not write, preview exits 1 and leaves it alone."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    code, _, stderr = run_cli("preview", str(source), "-o", str(folder))
    assert code == 1
    assert "preview-output-not-empty" in stderr
    assert written(folder) == {"notes.txt": "keep me"}


def test_rebuilt_preview_drops_pages_of_concepts_that_left(source: Path, tmp_path: Path) -> None:
    """A rebuilt gallery removes concept pages no longer in the curriculum, and only those."""
    out = tmp_path / "site"
    run_cli("preview", str(source), "-o", str(out))
    (out / "cards" / "e9-9.html").write_text("an old concept", encoding="utf-8")
    code, _, _ = run_cli("preview", str(source), "-o", str(out))
    assert (code, sorted(written(out))) == (0, [MARKER, "cards/e6-1.html", "index.html"])


def test_preview_json_report(source: Path, tmp_path: Path) -> None:
    """preview --json prints the index path, card and concept counts, and the Anki version."""
    code, stdout, _ = run_cli("preview", str(source), "-o", str(tmp_path / "site"), "--json")
    report = json.loads(stdout)
    pages = written(tmp_path / "site")
    sections = sum(text.count('<section class="pv-card"') for text in pages.values())
    concepts = sum(name.startswith("cards/") for name in pages)
    assert code == 0
    assert (report["ok"], report["index"], report["cards"], report["concepts"]) == (
        True,
        str(tmp_path / "site" / "index.html"),
        sections,
        concepts,
    )
