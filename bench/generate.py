"""Benchmark input: a deterministic synthetic curriculum, as a YAML source tree or as text pages.

Every concept has what the issue asks for: 4 phrases, 3 listen-for cues, 4 pitfalls, 1 red flag,
an anchor, a prove-it case, a documentation example and 3 key facts of two blanks each (14 notes,
17 cards per concept). The same
(concepts, stages, seed) always gives byte-identical files, so runs are comparable.

    python -m bench.generate --concepts 2000 --out bench/out/tree-2000
    python -m bench.generate --concepts 2000 --pages --out bench/out/pages-2000
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from pathlib import Path

from pathdeck.curriculum import Concept, Course, Fact, Phrase, Pitfall, ProveIt, RedFlag, Stage
from pathdeck.pages.documents import dump_concept, stage_document
from pathdeck.pages.dumper import dump_document
from pathdeck.pages.naming import concept_file_name, slug
from pathdeck.pages.render import render_page
from pathdeck.validate.jsonschema import COURSE_MODELINE, STAGE_FOLDER_MODELINE

COURSE_ID = "synthetic-course"
COURSE_TITLE = "Synthetic Course"
PHRASES, CUES, PITFALLS, FACTS = 4, 3, 4, 3

_SUBJECTS = (
    "the patient", "the clinician", "the family", "the team", "the resident", "the nurse",
    "the carer", "the supervisor", "the referrer", "the pharmacist",
)  # fmt: skip
_VERBS = (
    "notices", "explains", "checks", "revisits", "documents", "names", "agrees", "questions",
    "summarises", "validates", "clarifies", "reviews", "plans", "escalates", "observes",
)  # fmt: skip
_OBJECTS = (
    "the shared goal", "the next step", "the medication plan", "the safety plan", "the risk",
    "the agenda", "the follow-up", "the diagnosis", "the side effects", "the treatment options",
    "the patient's priorities", "the consent", "the handover", "the working formulation",
    "the early warning signs", "the sleep pattern", "the support network", "the relapse plan",
)  # fmt: skip
_PIVOTS = ("rather than", "instead of", "because", "without", "before", "when", "while")
_TOPICS = (
    "Alliance", "Agenda Setting", "Risk Review", "Shared Decisions", "Handover", "Consent",
    "Formulation", "Follow-up", "Medication Talk", "Family Meetings", "Safety Planning",
    "Difficult News", "Boundaries", "Supervision", "Documentation", "Ruptures", "Crisis Calls",
)  # fmt: skip


def _sentence(rng: random.Random) -> str:
    return f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}"


def _clause(rng: random.Random, number: int) -> str:
    # The running number keeps items distinct, as in a real curriculum: identical texts would
    # let the ledger's text matching pair items of unrelated concepts.
    return f"{_sentence(rng)} in encounter {number}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _concept(rng: random.Random, stage: int, position: int) -> Concept:
    n = stage * 100_000 + position * 10
    return Concept(
        id=f"E{stage}.{position}",
        title=f"{rng.choice(_TOPICS)} {position}",
        position=position,
        stage_number=stage,
        tagline=_capital(f"{_sentence(rng)}, and {_sentence(rng)}."),
        setting=_capital(f"{_clause(rng, n)}."),
        opening_move=_capital(f"{_sentence(rng)} first, then {_sentence(rng)}."),
        sample_language=tuple(
            Phrase(text=_capital(f"{_clause(rng, n + i)}, together.")) for i in range(PHRASES)
        ),
        listen_for=tuple(_capital(f"whether {_clause(rng, n + i)}.") for i in range(CUES)),
        pitfalls=tuple(
            Pitfall(text=_capital(f"{_clause(rng, n + i)} {rng.choice(_PIVOTS)} {_sentence(rng)}."))
            for i in range(PITFALLS)
        ),
        red_flags=(
            RedFlag(
                sign=_capital(_clause(rng, n)), meaning=f"often signals that {_sentence(rng)}."
            ),
        ),
        documentation=_capital(f"note how {_clause(rng, n)}; record that {_sentence(rng)}."),
        real_world=_capital(f"{_sentence(rng)} varies across services."),
        key_point=_capital(f"{_sentence(rng)}; {_sentence(rng)}."),
        body=tuple(" ".join(_capital(f"{_sentence(rng)}.") for _ in range(5)) for _ in range(3)),
        anchor=_capital(f"{_clause(rng, n)}: {_sentence(rng)}, every time."),
        prove_it=ProveIt(scenario=_capital(f"{_clause(rng, n)}, but {_sentence(rng)}. What now?")),
        illustrations=(
            f"Illustration: a notebook page where {_sentence(rng)}. Margin notes on it.",
        ),
        # Drawn last, so every other part is what it was before concepts had facts.
        facts=tuple(
            Fact(
                text=_capital(
                    f"{_sentence(rng)} in encounter {n + i}: "
                    f"[[{rng.choice(_OBJECTS)}]], then [[{rng.choice(_OBJECTS)}]]."
                )
            )
            for i in range(FACTS)
        ),
    )


def curriculum(concepts: int, stages: int = 40, seed: int = 6) -> Course:
    """`concepts` concepts spread as evenly as possible over `stages` stages, in order."""
    rng = random.Random(seed)
    per_stage, extra = divmod(concepts, stages)
    result = []
    for number in range(1, stages + 1):
        count = per_stage + (1 if number <= extra else 0)
        title = f"{rng.choice(_TOPICS)} in Practice {number}"
        result.append(
            Stage(
                number=number,
                title=title,
                concept_count=count,
                folder=f"stage-{number:02d}-{slug(title)}",
                concepts=tuple(_concept(rng, number, p) for p in range(1, count + 1)),
            )
        )
    return Course(id=COURSE_ID, title=COURSE_TITLE, stages=tuple(result))


def write_tree(root: Path, course: Course) -> int:
    """Write course.yaml, stage folders and concept files under `root`; return the file count."""
    root.mkdir(parents=True, exist_ok=True)
    course_text = dump_document({"id": course.id, "title": course.title}, COURSE_MODELINE)
    (root / "course.yaml").write_text(course_text, encoding="utf-8")
    files = 1
    for stage in course.stages:
        folder = root / stage.folder
        folder.mkdir(exist_ok=True)
        stage_doc = stage_document(stage.number, stage.title, stage.concept_count)
        stage_text = dump_document(stage_doc, STAGE_FOLDER_MODELINE)
        (folder / "stage.yaml").write_text(stage_text, encoding="utf-8")
        for concept in stage.concepts:
            # The importer's own writer: the benchmark reads files exactly as educators keep them.
            name = concept_file_name(concept.id, concept.title)
            (folder / name).write_text(dump_concept(concept), encoding="utf-8")
        files += 1 + len(stage.concepts)
    return files


def page_name(concept: Concept) -> str:
    """The page's file name, in the fixtures' `stage-06-concept-1-title.txt` form."""
    return f"stage-{concept.stage_number:02d}-concept-{concept.position}-{slug(concept.title)}.txt"


def iter_pages(course: Course) -> Iterator[tuple[str, str]]:
    """(file name, text) of every concept page, laid out by the importer's own page writer."""

    for stage in course.stages:
        for concept in stage.concepts:
            text = render_page(concept, stage_title=stage.title, concept_count=stage.concept_count)
            yield page_name(concept), text


def write_pages(root: Path, course: Course) -> int:
    """Write one text page per concept into `root`; return the page count."""
    root.mkdir(parents=True, exist_ok=True)
    count = 0
    for name, text in iter_pages(course):
        (root / name).write_text(text, encoding="utf-8")
        count += 1
    return count


def main(argv: list[str] | None = None) -> None:
    """Command line: write a YAML tree (default) or text pages."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--concepts", type=int, default=2000)
    parser.add_argument("--stages", type=int, default=40)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--pages", action="store_true", help="write text pages, not YAML")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    course = curriculum(args.concepts, args.stages, args.seed)
    if args.pages:
        print(f"{args.out}: {write_pages(args.out, course)} pages")
    else:
        print(f"{args.out}: {write_tree(args.out, course)} files")


if __name__ == "__main__":
    main()
