"""File and id names made from titles: stage folders, concept files, course ids."""

from __future__ import annotations

import re
import unicodedata

from text_unidecode import unidecode


def slug(text: str, *, limit: int = 60) -> str:
    """`text` as lowercase ASCII words joined by '-', any script transliterated (Débrief ->
    debrief, Straße -> strasse, Łódź -> lodz, Клиника -> klinika)."""
    # Dropping what NFKD cannot fold lost letters (Straße -> strae) and whole scripts, so
    # Cyrillic, Greek and CJK titles all became one id; text-unidecode transliterates them.
    folded = unidecode(unicodedata.normalize("NFKC", text))
    words = re.findall(r"[a-z0-9]+", folded.lower())
    result = "-".join(words)
    if len(result) > limit:  # keep file names short; cut at a word boundary when there is one
        cut = result[:limit]
        result = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return result


def stage_folder_name(number: int, title: str) -> str:
    """The folder of a stage, e.g. `stage-06-the-therapeutic-alliance`."""
    title_slug = slug(title)
    return f"stage-{number:02d}-{title_slug}" if title_slug else f"stage-{number:02d}"


def concept_file_name(concept_id: str, title: str) -> str:
    """The file of a concept, e.g. `e6-1-alliance-foundations.yaml`."""
    parts = [p for p in (slug(concept_id), slug(title)) if p]
    return "-".join(parts) + ".yaml"


def course_id(title: str) -> str:
    """The course id made from its title, e.g. `clinical-encounters`; empty when the title has
    no letters or digits to make one from (the importer then asks for --course-id)."""
    return slug(title)
