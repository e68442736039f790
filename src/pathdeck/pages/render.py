"""A concept as the page an educator would export: the inverse of parse, for fixtures and tests."""

from __future__ import annotations

from pathdeck.curriculum import Concept
from pathdeck.pages.lines import BULLET
from pathdeck.sentences import sentence_spans


def _list_lines(items: tuple[str, ...], *, quote: bool = False) -> list[str]:
    if not quote:
        joined = " ".join(items)
        reread = [joined[s:e] for s, e in sentence_spans(joined)]
        if not BULLET.match(joined) and reread == list(items):
            return [joined]
    return [f'  • "{item}"' if quote else f"  • {item}" for item in items]


def _header(concept: Concept, stage_title: str, concept_count: int) -> list[str]:
    out = [
        f"Stage {concept.stage_number}: {stage_title}",
        f"Concept {concept.position} of {concept_count}",
        concept.id,
        "",
        concept.title,
        "",
    ]
    if concept.tagline:
        out += [concept.tagline, ""]
    return out


def _encounter_card(concept: Concept) -> list[str]:
    out = ["Encounter card"]
    for label, value in (("Setting", concept.setting), ("Opening move", concept.opening_move)):
        if value:
            out += [label, value]
    if concept.sample_language:
        out.append("Sample language")
        out += _list_lines(tuple(p.text for p in concept.sample_language), quote=True)
    if concept.listen_for:
        out += ["Listen for", *_list_lines(concept.listen_for)]
    if concept.pitfalls:
        out += ["Common pitfalls", *_list_lines(tuple(p.text for p in concept.pitfalls))]
    out.append("")
    return out


def _red_flags(concept: Concept) -> list[str]:
    out: list[str] = []
    for index, flag in enumerate(concept.red_flags):
        line = f"{flag.sign} — {flag.meaning}" if flag.meaning else f"{flag.sign} —"
        out.append(f"Red flags / escalate: {line}" if index == 0 else f"  • {line}")
    if concept.red_flags:
        out.append("")
    return out


def _free_parts(concept: Concept) -> list[str]:
    """Documentation, real world, then the key point, illustrations and body paragraphs."""
    out: list[str] = []
    if concept.documentation:
        out += ["Documentation", concept.documentation, ""]
    if concept.real_world:
        out += [f"Real-world reality: {concept.real_world}", ""]
    illustrations = list(concept.illustrations)
    if concept.key_point and illustrations:  # the export's layout: key point, then illustration
        out += [concept.key_point, "", illustrations.pop(0), ""]
    elif concept.key_point:
        out += [f"Key point: {concept.key_point}", ""]
    elif illustrations:  # first, so no body paragraph sits where the key point would
        out += [illustrations.pop(0), ""]
    for paragraph in (*concept.body, *illustrations):
        out += [paragraph, ""]
    return out


def _closing(concept: Concept) -> list[str]:
    out: list[str] = []
    if concept.anchor:
        out += ["The anchor", "", concept.anchor, ""]
    if concept.prove_it:
        out += ["Prove it", "", concept.prove_it.scenario, ""]
    out += ["This connects to", ""]
    if concept.connects_to:
        out += [*concept.connects_to, ""]
    out += ["Locked concepts unlock as you reach them on the path.", "", "Back", ""]
    return out


def render_page(concept: Concept, *, stage_title: str, concept_count: int) -> str:
    """The page an educator would export for `concept`: `parse_page` reads it back unchanged
    (authored extras that pages cannot carry, such as item ids or model answers, are left out)."""
    return "\n".join(
        [
            *_header(concept, stage_title, concept_count),
            *_encounter_card(concept),
            *_red_flags(concept),
            *_free_parts(concept),
            *_closing(concept),
        ]
    )
