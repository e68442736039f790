"""Plain-text concept pages: parsing every part exactly, rejecting bad pages, writing YAML."""

from __future__ import annotations

import contextlib
import re
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathdeck import sentences as splitting
from pathdeck.curriculum import Concept, Phrase, Pitfall, ProveIt, RedFlag
from pathdeck.pages import documents, dumper, lines
from pathdeck.pages.documents import dump_concept
from pathdeck.pages.dumper import dump_document
from pathdeck.pages.items import split_red_flag, unquote
from pathdeck.pages.naming import concept_file_name, slug, stage_folder_name
from pathdeck.pages.parse import MAX_PAGE_BYTES, ParsedPage, decode_page, parse_page
from pathdeck.pages.render import render_page
from pathdeck.problems import ContentError
from pathdeck.sentences import split_sentences
from pathdeck.validate import schema

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"
SEED = PAGES / "stage-06-concept-1-alliance-foundations.txt"
RECONCILIATION = PAGES / "stage-12-concept-3-medication-reconciliation.txt"
DEBRIEFING = PAGES / "stage-10-concept-2-debriefing-after-a-critical-incident.txt"
CAPACITY = PAGES / "stage-11-concept-1-capacity.txt"

HEADER = "Stage 6: The Therapeutic Alliance\nConcept 1 of 8\nE6.1\n\nAlliance Foundations\n"


def parse(path: Path) -> ParsedPage:
    """Parse a fixture page under its file name."""
    return parse_page(path.read_text(encoding="utf-8"), path.name)


def problems_of(text: str) -> list[tuple[int, int, str]]:
    """The (line, column, code) of every error parsing `text` raises."""
    with pytest.raises(ContentError) as caught:
        parse_page(text, "page.txt")
    return [(p.location.line, p.location.column, p.code) for p in caught.value.problems]


def warnings_of(text: str) -> list[tuple[int, int, str]]:
    """The (line, column, code) of every warning parsing `text` gives."""
    return [(w.location.line, w.location.column, w.code) for w in parse_page(text, "p").warnings]


# --- the seed page --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed() -> ParsedPage:
    """The educators' seed page, parsed."""
    return parse(SEED)


def test_seed_header(seed: ParsedPage) -> None:
    """The stage line, concept line, id and title are read from the page's first lines."""
    assert (seed.stage_number, seed.stage_title, seed.concept_count) == (
        6,
        "The Therapeutic Alliance",
        8,
    )
    concept = seed.concept
    assert (concept.id, concept.title, concept.position, concept.stage_number) == (
        "E6.1",
        "Alliance Foundations",
        1,
        6,
    )


def test_seed_tagline_setting_and_opening_move(seed: ParsedPage) -> None:
    """The tagline and the card's setting and opening move keep their text exactly."""
    concept = seed.concept
    assert concept.tagline == (
        "The single best predictor of treatment outcomes across psychiatric care — better than "
        "medication choice, modality, or theoretical orientation."
    )
    assert concept.setting == (
        "Every encounter — alliance is built and rebuilt continuously, not established once."
    )
    assert concept.opening_move == (
        "Bordin's three components: bond (warmth, trust), goals (shared understanding of what "
        "we're working toward), tasks (shared agreement on how to get there). Attend to each "
        "deliberately."
    )


def test_seed_sample_language(seed: ParsedPage) -> None:
    """Three phrases, one per bullet, without their quotes."""
    assert [p.text for p in seed.concept.sample_language] == [
        "What are you hoping we can accomplish together?",
        "Are we working on the right things? Is there something else you'd rather focus on?",
        "I want to check in — how is this going for you? What's working and what isn't?",
    ]


def test_seed_listen_for(seed: ParsedPage) -> None:
    """Three listen-for cues, one per sentence."""
    assert seed.concept.listen_for == (
        "Whether the patient sees themselves as collaborator or recipient.",
        "Whether goals are genuinely shared or pro forma agreed.",
        "Whether the patient feels heard versus managed.",
    )


def test_seed_pitfalls(seed: ParsedPage) -> None:
    """Four pitfalls, one per sentence."""
    assert [p.text for p in seed.concept.pitfalls] == [
        "Treating alliance as a personality trait rather than a set of behaviors.",
        "Assuming alliance because the patient is compliant.",
        "Skipping the explicit goal/task conversation.",
        "Ignoring early signals of misalignment.",
    ]


def test_seed_red_flag(seed: ParsedPage) -> None:
    """One red flag, split into sign and meaning at the spaced dash."""
    assert seed.concept.red_flags == (
        RedFlag(
            sign="Patient consistently no-shows, comes late, doesn't engage in agreed-upon tasks",
            meaning="often signals alliance issue rather than character flaw.",
        ),
    )


def test_seed_documentation_real_world_and_key_point(seed: ParsedPage) -> None:
    """Documentation, real-world reality and the unlabelled key point are read exactly."""
    concept = seed.concept
    assert concept.documentation == (
        'Note alliance quality and any specific work done on it. "Alliance is strong; patient '
        'actively engaged in goal-setting. Plan revised together based on patient priorities."'
    )
    assert concept.real_world == (
        "Sign-out and handoff quality varies substantially across programs. The structured "
        "handoff is a learned skill, not innate."
    )
    assert concept.key_point == (
        "Alliance is the single highest-impact variable across psychotherapy and psychiatric "
        "care. Treat it as a clinical instrument, not a happy accident."
    )


def test_seed_anchor_and_prove_it(seed: ParsedPage) -> None:
    """The anchor and the prove-it scenario come from the paragraphs under their labels."""
    concept = seed.concept
    assert concept.anchor == (
        "The therapeutic alliance — bond, shared goals, shared tasks — is the single best "
        "predictor of treatment outcomes. Build it deliberately, maintain it actively."
    )
    assert concept.prove_it == ProveIt(
        scenario='A patient has been "compliant" for 6 months — keeps appointments, takes '
        "medications — but isn't improving. You sense the encounters are perfunctory. What do "
        "you do?"
    )


def test_seed_body_paragraphs(seed: ParsedPage) -> None:
    """Six body paragraphs, in page order, none of them an illustration or navigation."""
    body = seed.concept.body
    assert len(body) == 6
    assert body[0].startswith("The therapeutic alliance is the single best predictor")
    assert body[3].startswith("Maintain actively, not passively.")
    assert body[5].endswith("Invest in alliance accordingly.")


def test_seed_illustrations_are_kept_apart(seed: ParsedPage) -> None:
    """The illustration and both margin captions go to `illustrations`, nothing else does."""
    assert seed.concept.illustrations == (
        "Warm grey-tinted clinical notebook page, soft moss green accent. Bordin's three alliance "
        "components — bond, goals, tasks — illustrated as a triangle. Margin clusters on each.",
        "Alliance as the single best outcome predictor across psychotherapy modalities. Margin "
        "notes on the evidence base.",
        "Alliance is built and rebuilt at every encounter, not established once. Margin clusters "
        "on the maintenance work.",
    )


def test_seed_navigation_is_dropped(seed: ParsedPage) -> None:
    """'Locked concepts unlock…' and 'Back' appear in no part, and there are no connections."""
    document = documents.concept_document(seed.concept)
    assert "Locked concepts" not in str(document)
    assert "Back" not in str(document)
    assert seed.concept.connects_to == ()
    assert seed.warnings == ()


# --- more pages: the hard cases -------------------------------------------------------------


def test_reconciliation_header_and_escapable_text() -> None:
    """Stage numbers past 9, '<' and '&' in titles and text are kept as written."""
    page = parse(RECONCILIATION)
    assert (page.stage_number, page.stage_title, page.concept_count) == (
        12,
        "Safe Prescribing & Handover",
        10,
    )
    concept = page.concept
    assert (concept.id, concept.position) == ("E12.3", 3)
    assert concept.title == "Medication Reconciliation <at> Transitions"
    assert concept.setting == (
        "Admission, transfer & discharge: any time the medication list changes hands "
        "(i.e. every handover)."
    )


def test_reconciliation_phrases_lose_straight_and_curly_quotes() -> None:
    """Curly double, straight and curly single quotes around phrases are all removed."""
    assert [p.text for p in parse(RECONCILIATION).concept.sample_language] == [
        "Can you show me exactly how you take each of these — including anything over the counter?",
        "Dr. Okafor's letter says 1.5 mg; is that what you've been taking?",
        "Is there anything you stopped because of side effects?",
    ]


def test_reconciliation_listen_for_survives_abbreviations_and_quotes() -> None:
    """e.g., vs., decimals, approx., a quote ending a sentence and a parenthesis split right."""
    assert parse(RECONCILIATION).concept.listen_for == (
        "Doses that differ between sources, e.g. 1.5 mg vs. 15 mg.",
        'Drugs the patient calls "my water tablet" rather than by name.',
        'Whether the patient says the last change "went smoothly".',
        "Over-the-counter products (approx. a third of patients use one. Ask.) that nobody "
        "asked about.",
    )


def test_reconciliation_pitfalls() -> None:
    """Pitfalls keep '<', '&', parentheses and i.e. inside their sentence."""
    assert [p.text for p in parse(RECONCILIATION).concept.pitfalls] == [
        "Copying the previous list forward without checking it against the patient.",
        'Assuming "as before" means the same dose (it often doesn\'t).',
        "Forgetting to reconcile eGFR < 30 & renally cleared drugs.",
        'Recording "allergy: penicillin" without the reaction, i.e. rash vs. anaphylaxis.',
    ]


def test_reconciliation_red_flags_inline_then_bulleted() -> None:
    """A second flag as a bullet under the first; the sign loses its trailing ';'."""
    assert parse(RECONCILIATION).concept.red_flags == (
        RedFlag(
            sign="New anticoagulant plus antiplatelet with no documented indication",
            meaning="bleeding risk needs a senior review today.",
        ),
        RedFlag(
            sign="INR > 5 or signs of bleeding",
            meaning="stop the anticoagulant & call the on-call registrar.",
        ),
    )


def test_reconciliation_rest_of_page() -> None:
    """Key point before the illustration, body, caption, anchor, case and connections."""
    concept = parse(RECONCILIATION).concept
    assert concept.real_world is None
    assert concept.documentation == (
        "Sources used (patient, pharmacy, GP letter); each drug marked continue/stop/change "
        'with the reason, e.g. "Ramipril held: AKI, creatinine 180 µmol/L".'
    )
    assert concept.key_point == (
        "Reconcile from at least two sources at every transition, and write down why each drug "
        "continues, stops or changes."
    )
    assert concept.body == (
        "Most medication errors at transitions are omissions: a drug that silently falls off "
        "the list. The next most common are dose errors (1.5 mg read as 15 mg) & duplications "
        "under brand vs. generic names.",
        "A good reconciliation is boring & explicit. It names its sources, it marks every "
        "drug, and it says why.",
    )
    assert [i.split(".")[0] for i in concept.illustrations] == [
        "Cool blue clinical notebook page, amber accent",
        "Two sources that agree are stronger than one source that is confident",
    ]
    assert concept.anchor == (
        "Two sources, every drug, every transition — and a reason for every change."
    )
    assert concept.prove_it is not None
    assert concept.prove_it.scenario.startswith("An 82-year-old is transferred from orthopaedics")
    assert concept.connects_to == ("E12.2", "E11.1")


def test_debriefing_accents_and_reordered_parts() -> None:
    """Accents survive; card parts and the anchor and case may come in any order."""
    page = parse(DEBRIEFING)
    concept = page.concept
    assert page.stage_title == "Équipe, Sécurité & Débriefing"
    assert (concept.id, concept.title) == ("E10.2", "Débriefing After a Critical Incident")
    assert concept.setting == (
        "Within 24 h of an unexpected death, cardiac arrest or near miss; led by a facilitator "
        "who was not in charge."
    )
    assert concept.opening_move == (
        "Name the purpose (learning, not blame), the rules (what's said here stays here) & the "
        "time limit (approx. 30 min)."
    )
    assert concept.anchor == "Learning, not blame: purpose, rules, time limit — then listen."
    assert concept.prove_it == ProveIt(
        scenario="After a failed resuscitation on the ward, the charge nurse says \"we don't "
        "need a debrief, everyone's fine\". What do you say, and to whom?"
    )


def test_debriefing_items() -> None:
    """Dash bullets, a question inside quotes, 'Dr.' and '!' are read item by item."""
    concept = parse(DEBRIEFING).concept
    assert [p.text for p in concept.sample_language] == [
        "What did each of us notice first?",
        "Let’s separate what happened from who it happened to.",
    ]
    assert concept.listen_for == (
        'Blame language ("who dropped the ball?") rather than systems language.',
        "Silence from the most junior person in the room.",
        "Phrases like “I should have known” — a cue for a check-in later.",
    )
    assert [p.text for p in concept.pitfalls] == [
        "Turning the debrief into a root-cause analysis.",
        "Letting Dr. Senior speak first, so everyone else agrees.",
        "Ending without saying who follows up on what!",
    ]
    assert concept.red_flags == (
        RedFlag(
            sign="A team member who is tearful, numb or absent afterwards",
            meaning="may need occupational health support; say so privately.",
        ),
    )


def test_debriefing_missing_parts() -> None:
    """No tagline, documentation, real-world reality, illustration or body; key point labelled."""
    page = parse(DEBRIEFING)
    concept = page.concept
    assert concept.tagline is None
    assert concept.documentation is None
    assert concept.real_world is None
    assert concept.illustrations == ()
    assert concept.body == ()
    assert concept.key_point == (
        "A debrief protects the next patient by looking after this team; keep it short, safe & "
        "structured."
    )
    assert concept.connects_to == ("E10.1",)
    assert page.warnings == ()


def test_capacity_bulleted_lists() -> None:
    """Bulleted cues and pitfalls are one item per bullet, continuation lines joined."""
    concept = parse(CAPACITY).concept
    assert concept.title == "Capacity: Decision-Specific, Time-Specific"
    assert concept.listen_for == (
        'Whether the patient can repeat back the key risk, not just the word "risk"',
        "Reasons that follow from their own values, even unusual ones",
    )
    assert [p.text for p in concept.pitfalls] == [
        "Testing capacity only when the patient disagrees with you.",
        "Treating a diagnosis (dementia, psychosis) as proof of incapacity.",
        'Asking leading questions, e.g. "You understand you could die, don\'t you?" — then '
        'recording "understands".',
    ]


def test_capacity_red_flags_under_a_heading() -> None:
    """Flags as bullets under a bare heading; a flag without a dash has no meaning."""
    assert parse(CAPACITY).concept.red_flags == (
        RedFlag(
            sign="Fluctuating alertness or new confusion",
            meaning="treat delirium first; reassess when it clears.",
        ),
        RedFlag(sign="The decision is life-threatening and time-critical"),
    )


def test_capacity_body_without_key_point_or_illustration() -> None:
    """Free paragraphs with no illustration are body, hard-wrapped lines joined with a space."""
    page = parse(CAPACITY)
    concept = page.concept
    assert concept.key_point is None
    assert concept.body == (
        "The test is functional, not diagnostic. A patient with severe schizophrenia may have "
        "capacity to refuse a blood test; a confident graduate with sepsis-related delirium may "
        "not.",
        "Capacity is decision-specific & time-specific. Reassess when things change — and "
        "record when you did.",
    )
    assert concept.real_world == (
        'On a busy take, "lacks capacity" is often written without the four abilities. Expect '
        "to be asked for them."
    )
    assert concept.anchor == (
        "One decision, one moment, four abilities: understand, retain, weigh, communicate."
    )
    assert concept.prove_it is None
    assert concept.connects_to == ()
    assert sorted((w.location.line, w.code) for w in page.warnings) == [
        (28, "page-red-flag-without-meaning"),  # a sign with no dash: said, not guessed
        (33, "page-key-point-unmarked"),
    ]


# --- sentences, flags, quotes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Start low, e.g. 5 mg. Review weekly.", ["Start low, e.g. 5 mg.", "Review weekly."]),
        ("Ask, i.e. Do not assume. Then wait.", ["Ask, i.e. Do not assume.", "Then wait."]),
        ("Risk vs. Benefit matters. Weigh it.", ["Risk vs. Benefit matters.", "Weigh it."]),
        ("Ask Dr. Patel first. Then act.", ["Ask Dr. Patel first.", "Then act."]),
        ("Give approx. 20 mL. Recheck.", ["Give approx. 20 mL.", "Recheck."]),
        ("Give 1.5 mg. Then 2.5 mg.", ["Give 1.5 mg.", "Then 2.5 mg."]),
        ('It "went smoothly". Ask again.', ['It "went smoothly".', "Ask again."]),
        ('She said "Stop. Now." Then left.', ['She said "Stop. Now."', "Then left."]),
        (
            "Note it (see Fig. 2. Again.) today. Next.",
            ["Note it (see Fig. 2. Again.) today.", "Next."],
        ),
        ("Why? Because. Really!", ["Why?", "Because.", "Really!"]),
        ("Wait for it… Then go.", ["Wait for it…", "Then go."]),
        ("One sentence without a stop", ["One sentence without a stop"]),
    ],
)
def test_sentence_splitting(text: str, sentences: list[str]) -> None:
    """Sentences split at their ends, never at abbreviations, decimals, quotes or parentheses."""
    assert split_sentences(text) == sentences


@pytest.mark.parametrize(
    ("line", "sign", "meaning"),
    [
        ("Chest pain — call the registrar.", "Chest pain", "call the registrar."),
        ("Chest pain, — call.", "Chest pain", "call."),
        ("SpO2 < 90% – give oxygen — then call.", "SpO2 < 90%", "give oxygen — then call."),
        ("Suicidal intent with a plan.", "Suicidal intent with a plan", None),
        ("Well-being drop-off — review", "Well-being drop-off", "review"),
    ],
)
def test_red_flag_split(line: str, sign: str, meaning: str | None) -> None:
    """A red flag splits at the first spaced dash and its sign loses trailing punctuation."""
    assert split_red_flag(line) == (sign, meaning)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"Hello?"', "Hello?"),
        ("“Hello?”", "Hello?"),
        ("‘Hello?’", "Hello?"),
        ('"A" and "B"', 'A" and "B'),
        ("'Tis fine'", "'Tis fine'"),
        ("No quotes", "No quotes"),
    ],
)
def test_unquote(text: str, expected: str) -> None:
    """One pair of surrounding double or curly quotes is removed; straight singles are kept."""
    assert unquote(text) == expected


# --- bad pages ------------------------------------------------------------------------------


def test_empty_page_is_an_error() -> None:
    """A page of only whitespace is `page-empty`."""
    assert problems_of(" \n\n\t\n") == [(1, 1, "page-empty")]


def test_missing_stage_line() -> None:
    """A page that does not start with 'Stage N: Title' says so at that line."""
    assert problems_of("\nAlliance Foundations\nConcept 1 of 8\n") == [
        (2, 1, "page-missing-stage-line")
    ]


def test_bad_concept_line() -> None:
    """'Concept one of eight' is not a concept line."""
    assert problems_of("Stage 6: X\n  Concept one of eight\nE6.1\nT\n") == [
        (2, 3, "page-bad-concept-line")
    ]


def test_position_beyond_stage_size() -> None:
    """'Concept 9 of 8' is rejected at the concept line."""
    assert problems_of("Stage 6: X\nConcept 9 of 8\nE6.9\nTitle\n") == [
        (2, 1, "page-bad-concept-line")
    ]


def test_missing_id() -> None:
    """A title where the id belongs is `page-missing-id`."""
    assert problems_of("Stage 6: X\nConcept 1 of 8\nAlliance Foundations\n") == [
        (3, 1, "page-missing-id")
    ]


def test_page_ending_before_the_title() -> None:
    """A page that stops after the id points at its last line."""
    assert problems_of("Stage 6: X\nConcept 1 of 8\nE6.1\n") == [(4, 1, "page-missing-title")]


def test_label_where_the_title_belongs() -> None:
    """'Encounter card' straight after the id means the title is missing."""
    assert problems_of("Stage 6: X\nConcept 1 of 8\nE6.1\nEncounter card\n") == [
        (4, 1, "page-missing-title")
    ]


def test_id_from_another_stage() -> None:
    """An id whose stage number differs from the stage line is an error at the id."""
    assert problems_of("Stage 6: X\nConcept 1 of 8\nE7.1\nTitle\n") == [
        (3, 1, "page-id-stage-mismatch")
    ]


def test_duplicate_part() -> None:
    """A second 'Setting' is an error naming the line of the second."""
    text = HEADER + "Encounter card\nSetting\nA.\nSetting\nB.\n"
    assert problems_of(text) == [(9, 1, "page-duplicate-part")]


def test_second_paragraph_before_the_card() -> None:
    """Two paragraphs between the title and the encounter card is unexpected text."""
    text = HEADER + "\nTagline.\n\nSomething else.\n\nEncounter card\nSetting\nA.\n"
    assert problems_of(text) == [(9, 1, "page-unexpected-text")]


def test_red_flag_without_a_sign() -> None:
    """A red flag line with nothing before the dash is an error at that line."""
    text = HEADER + "Encounter card\nRed flags / escalate\n  • . — meaning\n"
    assert problems_of(text) == [(8, 3, "page-bad-red-flag")]


def test_control_characters_are_rejected() -> None:
    """Binary junk that happens to be valid UTF-8 is `page-control-character`, not a crash."""
    assert problems_of(HEADER + "\nTag\x00line\x01.\n") == [(7, 4, "page-control-character")]


def test_line_separators_are_rejected() -> None:
    """U+2028 would be a line break to YAML, so it is rejected where it stands."""
    assert problems_of("Stage 6: X\u2028Y\n") == [(1, 11, "page-control-character")]


def test_non_utf8_bytes() -> None:
    """A Latin-1 page is `page-not-utf8` at the first bad byte."""
    with pytest.raises(ContentError) as caught:
        decode_page("p.txt", "Stage 6: X\nCafé\n".encode("latin-1"))
    problem = caught.value.problems[0]
    assert (problem.location.line, problem.location.column, problem.code) == (
        2,
        4,
        "page-not-utf8",
    )


def test_oversized_page() -> None:
    """A page over a mebibyte is refused before decoding."""
    with pytest.raises(ContentError) as caught:
        decode_page("p.txt", b"x" * (MAX_PAGE_BYTES + 1))
    assert caught.value.problems[0].code == "page-too-large"


@given(st.binary(max_size=300))
@settings(max_examples=200, deadline=None)
def test_any_bytes_give_a_page_or_problems(data: bytes) -> None:
    """Arbitrary bytes never raise anything but ContentError."""
    with contextlib.suppress(ContentError):
        parse_page(decode_page("junk.bin", data), "junk.bin")


@given(st.text(max_size=400))
@settings(max_examples=200, deadline=None)
def test_any_text_after_a_header_parses_or_reports(tail: str) -> None:
    """Whatever follows a valid header, parsing returns a page or raises ContentError."""
    with contextlib.suppress(ContentError):
        parse_page(HEADER + tail, "p.txt")


# --- warnings -------------------------------------------------------------------------------


def test_empty_part_is_a_warning() -> None:
    """A label with nothing after it is left out with a `page-empty-part` warning."""
    text = HEADER + "Encounter card\nSetting\nOpening move\nDo it.\n"
    assert warnings_of(text) == [(7, 1, "page-empty-part")]
    assert parse_page(text, "p").concept.setting is None


def test_key_point_needs_its_illustration() -> None:
    """Without an illustration after it, the first paragraph is body, with a warning."""
    text = HEADER + "Encounter card\nSetting\nA.\n\nKey sentence.\n\nBody.\n"
    page = parse_page(text, "p")
    assert (page.concept.key_point, page.concept.body) == (None, ("Key sentence.", "Body."))
    assert warnings_of(text) == [(10, 1, "page-key-point-unmarked")]


def test_illustration_first_means_no_key_point() -> None:
    """An illustration straight after the card says the page has no key point."""
    text = HEADER + "Encounter card\n\nA clinical notebook page, red accent.\n\nBody.\n"
    page = parse_page(text, "p")
    assert (page.concept.key_point, page.concept.body) == (None, ("Body.",))
    assert page.warnings == ()


def test_sample_language_item_locations() -> None:
    """Each phrase knows the line and column of its bullet."""
    phrases = parse(SEED).concept.sample_language
    assert [(p.location.line, p.location.column) for p in phrases] == [(15, 3), (16, 3), (17, 3)]


def test_sentence_item_locations() -> None:
    """A pitfall split out of a line knows its column on that line."""
    pitfalls = parse(SEED).concept.pitfalls
    assert [(p.location.line, p.location.column) for p in pitfalls] == [
        (21, 1),
        (21, 74),
        (21, 126),
        (21, 172),
    ]


# --- naming and YAML ------------------------------------------------------------------------


def test_stage_folder_name() -> None:
    """Stage folders are zero-padded to two digits and slugged, accents folded."""
    assert stage_folder_name(6, "The Therapeutic Alliance") == "stage-06-the-therapeutic-alliance"
    assert stage_folder_name(12, "Équipe, Sécurité & Débriefing") == (
        "stage-12-equipe-securite-debriefing"
    )
    assert stage_folder_name(3, "—") == "stage-03"


def test_concept_file_name() -> None:
    """Concept files are the slugged id and title."""
    assert concept_file_name("E6.1", "Alliance Foundations") == "e6-1-alliance-foundations.yaml"
    assert concept_file_name("E12.3", "Medication Reconciliation <at> Transitions") == (
        "e12-3-medication-reconciliation-at-transitions.yaml"
    )


def test_slugs_are_bounded() -> None:
    """A very long title gives a slug of at most 60 characters, cut between words."""
    long = slug("word " * 40)
    assert len(long) <= 60
    assert not long.endswith("-")


def test_yaml_keys_follow_the_schema_order(seed: ParsedPage) -> None:
    """Keys come in the order schema.CONCEPT declares them; absent parts are left out."""
    keys = list(yaml.safe_load(dump_concept(seed.concept)))
    order = list(schema.CONCEPT.fields)
    assert keys == [k for k in order if k in keys]
    assert "connects_to" not in keys


def test_yaml_has_no_folded_lines(seed: ParsedPage) -> None:
    """Every value sits on one line, so a typo fix is a one-line diff."""
    text = dump_concept(seed.concept)
    line = re.compile(r"^(?:[a-z_]+:(?: .+)?|  - .+|    [a-z_]+: .+|  [a-z_]+: .+)$")
    assert all(line.match(row) for row in text.splitlines()[1:])  # after the schema modeline


def test_yaml_quotes_what_yaml_would_not_read_as_text() -> None:
    """'no', '1.10', a date and '~' are written so YAML reads them back as text."""
    values = ["no", "1.10", "2024-01-01", "~", "null", "- x", "a: b", "#x", "@x", "'q'"]
    text = dump_document({"body": values})
    assert yaml.safe_load(text) == {"body": values}


def test_yaml_keeps_unicode_and_markup_characters() -> None:
    """Dashes, curly quotes, accents, '<' and '&' are written as themselves, not escaped."""
    value = "Café — “naïve” <b> & ‘x’"
    assert dump_document({"title": value}) == f"title: {value}\n"


def test_concept_files_start_with_the_schema_modeline(seed: ParsedPage) -> None:
    """A written concept's first line points editors at the schema one folder up."""
    first = dump_concept(seed.concept).splitlines()[0]
    assert first == "# yaml-language-server: $schema=../pathdeck.schema.json"
    assert dump_document({"id": "x"}) == "id: x\n"


# --- properties: page -> concept -> page ----------------------------------------------------

WORDS = [
    "patient", "clinician", "alliance", "dose", "café", "naïve", "señora", "Zoë", "<", ">",
    "&", "&amp;", "1.5", "mg", "e.g.", "i.e.", "vs.", "Dr.", "approx.", "(approx. 20%)",
    "(see below)", "—", "–", "’s", "don't", "“quoted words”", '"went smoothly"', "no", "yes",
    "1.10", "#tag", "key: value", "50%", "≥2", "µmol/L", "{{c1::x}}", "[sound:x.mp3]",
    "*stars*", "**bold**", "a/b", "x-y", "Stage", "E6.1", "Back", "Setting", "\t",
]  # fmt: skip
STARTERS = ["The", "Patients", "Clinicians", "Émile", "Dr. Okafor", "Every", "Ask", "Whether"]
ENDINGS = [".", "?", "!", ' "went smoothly".', " “Is this useful?”", " (see above.)", "…"]

junk = st.text(
    alphabet=st.characters(
        codec="utf-8",
        categories=["L", "N", "Sm", "Sc", "Pd"],
        exclude_characters="—–",
    ),
    min_size=1,
    max_size=8,
).filter(lambda w: unicodedata.is_normalized("NFC", w))  # text is read composed, as Anki keeps it
# A sentence ending in an abbreviation ("... the Dept. The next ...") reads as one sentence by
# design, so the random words never spell one (Hypothesis once drew "DEPT").
word = st.one_of(st.sampled_from(WORDS), junk).filter(
    lambda w: w.strip() == w and w.lower() not in splitting._ABBREVIATIONS
)
clause = st.builds(
    lambda first, rest: " ".join([first, *rest]),
    st.sampled_from(STARTERS),
    st.lists(word, max_size=8),
)
# A title is a few words: a longer line in its place reads as a sentence (a missing title), so
# a title never has more words than the reader allows (Hypothesis once drew thirteen).
title = clause.filter(lambda text: len(text.split()) <= lines._TITLE_WORDS)
sentence = st.builds(lambda text, end: text + end, clause, st.sampled_from(ENDINGS))
paragraph = st.lists(sentence, min_size=1, max_size=3).map(" ".join)
maybe = st.none() | paragraph
sign = st.builds(
    lambda first, rest: " ".join([first, *rest]),
    st.sampled_from(STARTERS),
    st.lists(word.filter(lambda w: w not in {"—", "–"}), max_size=6),
).filter(lambda s: s.rstrip(" \t.,;:") == s)
illustration = st.one_of(
    st.builds(lambda s: f"Warm grey clinical notebook page, teal accent. {s}", paragraph),
    st.builds(lambda s: f"{s} Margin notes on the evidence.", paragraph),
)


@st.composite
def concepts(draw: st.DrawFn) -> tuple[Concept, str, int]:
    """A concept a page can carry, with its stage title and the stage's size."""
    stage = draw(st.integers(min_value=1, max_value=40))
    count = draw(st.integers(min_value=1, max_value=20))
    position = draw(st.integers(min_value=1, max_value=count))
    prefix = draw(st.sampled_from(["E", "C", "", "ABC"]))
    scenario = draw(maybe)
    concept = Concept(
        id=f"{prefix}{stage}.{position}",
        title=draw(title),
        position=position,
        stage_number=stage,
        tagline=draw(maybe),
        setting=draw(maybe),
        opening_move=draw(maybe),
        sample_language=tuple(Phrase(text=t) for t in draw(st.lists(paragraph, max_size=3))),
        listen_for=tuple(draw(st.lists(sentence | clause, max_size=4))),
        pitfalls=tuple(Pitfall(text=t) for t in draw(st.lists(sentence | clause, max_size=4))),
        red_flags=tuple(
            RedFlag(sign=s, meaning=m)
            for s, m in draw(st.lists(st.tuples(sign, maybe), max_size=3))
        ),
        documentation=draw(maybe),
        real_world=draw(maybe),
        key_point=draw(maybe),
        body=tuple(draw(st.lists(paragraph, max_size=3))),
        anchor=draw(maybe),
        prove_it=ProveIt(scenario=scenario) if scenario else None,
        connects_to=tuple(
            draw(st.lists(st.from_regex(r"\A[A-Z]{0,2}[1-9][0-9]?\.[1-9]\Z"), max_size=3))
        ),
        illustrations=tuple(draw(st.lists(illustration, max_size=3))),
        source="page.txt",
    )
    return concept, draw(clause), count


@given(concepts())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_rendered_page_round_trips(drawn: tuple[Concept, str, int]) -> None:
    """Any concept rendered as a page imports back to the same concept, stage and size."""
    concept, stage_title, count = drawn
    page = parse_page(
        render_page(concept, stage_title=stage_title, concept_count=count), "page.txt"
    )
    assert page.concept == concept
    assert (page.stage_title, page.concept_count) == (stage_title, count)


def test_a_trailing_abbreviation_does_not_end_a_sentence() -> None:
    """ "Dept." reads as an abbreviation even before a capital: the sentence goes on."""
    assert split_sentences("Ask the Dept. The ward knows.") == ["Ask the Dept. The ward knows."]


@given(st.lists(sentence, min_size=1, max_size=5))
@settings(max_examples=300, deadline=None)
def test_joined_sentences_split_back(sentences: list[str]) -> None:
    """Sentences joined with spaces split back into exactly those sentences."""
    assert split_sentences(" ".join(sentences)) == sentences


@given(concepts())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_yaml_reads_back_the_document(drawn: tuple[Concept, str, int]) -> None:
    """The YAML written for a concept reads back as its document, one line per value."""
    concept = drawn[0]
    text = dump_concept(concept)
    assert yaml.safe_load(text) == documents.concept_document(concept)
    line = re.compile(r"^(?:[a-z_]+:(?: .+)?|  - .+|    [a-z_]+: .+|  [a-z_]+: .+)$")
    assert all(line.match(row) for row in text.splitlines()[1:])  # after the schema modeline


@given(concepts())
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_pure_python_dumper_writes_the_same(drawn: tuple[Concept, str, int]) -> None:
    """Without libyaml the fallback dumper writes byte-identical files."""
    document = documents.concept_document(drawn[0])
    fallback = yaml.dump(
        document,
        Dumper=dumper._IndentedDumper,
        width=float("inf"),
        allow_unicode=True,
        sort_keys=False,
    )
    assert dump_document(document) == fallback


@pytest.mark.parametrize(
    "label", ["Red flags/ escalate", "Red flags /escalate", "RED FLAGS  /  ESCALATE"]
)
def test_red_flag_label_spacing_around_the_slash_is_ignored(label: str) -> None:
    """However the slash is spaced, the inline red-flag label reads (fuzzing found a crash)."""
    text = HEADER + f"Encounter card\n{label}: Patient stops coming — alliance issue\n"
    page = parse_page(text, "p.txt")
    assert [f.sign for f in page.concept.red_flags] == ["Patient stops coming"]
