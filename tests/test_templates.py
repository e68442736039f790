"""Card templates and CSS: gated fronts, no answer on the front, self-contained, night-ready."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from anki_helpers import fresh_collection, import_default
from pathdeck.cards.notetypes import FIELDS, TEMPLATES, note_type, stylesheet, template_file
from pathdeck.markup import plain
from pathdeck.pipeline import build
from pathdeck.roles import Role

STEMS = [stem for _, stem in TEMPLATES.values()]
ROLE_OF = {stem: role for role, (_, stem) in TEMPLATES.items()}
GATED = [stem for stem in STEMS if not ROLE_OF[stem].cloze]  # a cloze card exists per blank
# What each card asks the learner to recall: these fields never print on its front (a cloze
# front prints its field only through {{cloze:}}, which hides the asked blank).
ANSWER_FIELDS = {
    "sample_language": ("Phrase",),
    "pitfall": ("Pitfall", "Instead"),
    "red_flag": ("Meaning", "Action"),
    "prove_it": ("ModelAnswer",),
    "anchor": ("Anchor",),
    "key_fact": ("Text",),
}
NIGHT_SELECTORS = (".card.nightMode", ".nightMode .card", ".card.night_mode", ".night_mode .card")
REFERENCE = re.compile(r"{{([#^/]?)([^{}]+)}}")


@pytest.mark.parametrize("role", list(Role))
def test_every_note_type_has_one_template(role: Role) -> None:
    """One template per note type: no second card whose front an edit could leave empty."""
    assert len(note_type(role, "c").templates) == 1


@pytest.mark.parametrize("stem", GATED)
def test_front_prints_fields_only_inside_its_gate(stem: str) -> None:
    """A front is one `{{#Field}}…{{/Field}}` section, so Anki makes the card only when it has text."""
    front = template_file(f"{stem}.front.html").strip()
    references = REFERENCE.findall(front)
    gate = references[0][1]
    assert references[0] == ("#", gate)
    assert references[-1] == ("/", gate)
    assert front.startswith(f"{{{{#{gate}}}}}")
    assert front.endswith(f"{{{{/{gate}}}}}")
    assert sum(1 for kind, name in references if name == gate and kind in ("#", "/")) == 2


@pytest.mark.parametrize("stem", STEMS)
def test_templates_name_only_their_own_fields(stem: str) -> None:
    """Every field a template names exists in its note type (a typo would render empty)."""
    fields = set(FIELDS[ROLE_OF[stem]]) | {"FrontSide"}
    for side in ("front", "back"):
        found = REFERENCE.findall(template_file(f"{stem}.{side}.html"))
        names = {name.removeprefix("cloze:") for _, name in found}
        assert names <= fields


@pytest.mark.parametrize("stem", STEMS)
def test_front_never_prints_the_answer(stem: str) -> None:
    """No front template prints a field that holds what the card asks the learner to recall."""
    printed = {
        name for kind, name in REFERENCE.findall(template_file(f"{stem}.front.html")) if not kind
    }
    assert printed.isdisjoint(ANSWER_FIELDS[stem])


@pytest.mark.parametrize("stem", STEMS)
def test_back_names_the_source_concept(stem: str) -> None:
    """Every back shows the stage and concept it came from, so a learner can look it up."""
    back = template_file(f"{stem}.back.html")
    assert re.search(r'<div class="pd-source">.*{{Stage}}.*{{Concept}}.*</div>', back)


def test_cards_need_nothing_from_outside() -> None:
    """Templates and CSS load no fonts, images, scripts or styles from anywhere."""
    texts = [stylesheet()] + [
        template_file(f"{stem}.{side}.html") for stem in STEMS for side in ("front", "back")
    ]
    outside = re.compile(r"https?:|//[a-z]|url\(|@import|<script|<link|<img|<iframe", re.I)
    assert [found for text in texts for found in outside.findall(text)] == []


@pytest.mark.parametrize("selector", NIGHT_SELECTORS)
def test_css_styles_night_mode_for_every_client(selector: str) -> None:
    """The stylesheet has night colours for desktop and AnkiMobile (nightMode) and AnkiDroid."""
    css = re.sub(r"/\*.*?\*/", "", stylesheet(), flags=re.DOTALL)
    rules = re.findall(r"([^{}]+){", css)
    selectors = {s.strip() for rule in rules for s in rule.split(",")}
    assert selector in selectors


def test_css_is_responsive_down_to_a_phone() -> None:
    """The stylesheet adapts type and spacing below 480 px wide (phones in portrait)."""
    assert "@media (max-width: 480px)" in stylesheet()


@pytest.mark.anki
def test_anki_renders_no_front_with_its_answer(source: Path, tmp_path: Path, epoch: int) -> None:
    """In the real Anki library, no card's front contains the text its back reveals."""
    build(source, tmp_path / "deck.apkg")
    col = fresh_collection(tmp_path / "learner")
    import_default(col, tmp_path / "deck.apkg")
    leaks = []
    for card_id in col.find_cards(""):
        card = col.get_card(card_id)
        _, stem = TEMPLATES[Role(_role(card.note().tags))]
        front = plain(re.sub(r"<[^>]+>", "", card.question()))
        for field in ANSWER_FIELDS[stem]:
            value = re.sub(r"<[^>]+>", "", card.note()[field]).strip()
            if value and value in front:
                leaks.append((stem, field))
    col.close()
    assert leaks == []


def _role(tags: list[str]) -> str:
    return next(t for t in tags if t.startswith("pathdeck::role::")).removeprefix(
        "pathdeck::role::"
    )
