"""Issue 13: the patient's situation decides what is said, and the bottom line answers the ask.

Population rules, three-valued fever, negation scope, the bottom-line consistency check, the
vocabulary loader, and the development questions of ../shared/eval/next.yaml on safe reasoning.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from curbside import vocabulary as vocabulary_module
from curbside.clinical.febrile import assess_febrile_neutropenia
from curbside.engine import Engine
from curbside.evaluate import load_eval_file, run_eval
from curbside.knowledge.base import KnowledgeBase
from curbside.knowledge.loader import PackError, load_packs
from curbside.knowledge.schema import When
from curbside.models import Article, Query, Situation
from curbside.reason.applies import population_applies
from curbside.understand import Understander
from curbside.understand.patient_text import patient_from_question
from curbside.verify.consistency import InconsistentArticle, check_consistency
from curbside.vocabulary import BUILTIN, VocabularyError, load_vocabulary

# The questions of next.yaml that issue 13 answers ("situations, special populations, calculators").
SITUATION_QUESTIONS = [
    "fever-sustained-free-text",
    "mascc-with-copd",
    "child-mascc",
    "pregnancy-ptu",
    "lactation-infant",
    "sarilumab-start",
    "off-intent-honesty",
    "not-a-drug-word",
]


@pytest.fixture(scope="module")
def understander(kb: KnowledgeBase) -> Understander:
    return Understander(kb)


def test_the_situation_questions_of_next_yaml_pass(engine: Engine, shared: Path) -> None:
    questions = [
        q
        for q in load_eval_file(shared / "eval/next.yaml").questions
        if q.id in SITUATION_QUESTIONS
    ]
    assert sorted(q.id for q in questions) == sorted(SITUATION_QUESTIONS)
    failures = {o.id: o.failures for o in run_eval(engine, questions) if not o.passed}
    assert failures == {}


# ------------------------------------------------------------------ population rules


def _query(populations: list[str], special: list[str]) -> Query:
    situation = Situation(populations=populations, special=special)
    return Query(text="q", normalized="q", audience="physician", situation=situation)


@pytest.mark.parametrize(
    ("written_for", "populations", "special", "applies"),
    [
        ([], [], [], True),  # an adult statement for an adult
        ([], ["pregnancy"], ["pregnancy"], False),  # ... never for a pregnant patient
        ([], ["child"], ["child"], False),
        ([], ["breastfeeding"], ["breastfeeding"], False),
        (["everyone"], ["newborn", "infant", "child"], ["newborn", "infant", "child"], True),
        (["pregnancy"], ["pregnancy"], ["pregnancy"], True),
        (["pregnancy"], [], [], False),  # a pregnancy statement is not for other adults
        (["child"], ["newborn", "infant", "child"], ["newborn", "infant", "child"], True),
        (["adults"], ["pregnancy"], ["pregnancy"], False),
        (["benign-ethnic-neutropenia"], [], [], False),  # a trait must be present
        (["benign-ethnic-neutropenia"], ["benign-ethnic-neutropenia"], [], True),
        ([], ["benign-ethnic-neutropenia"], [], True),  # a trait does not exclude adult rules
    ],
)
def test_population_rule(
    written_for: list[str], populations: list[str], special: list[str], applies: bool
) -> None:
    when = When(populations=written_for)
    assert population_applies(when, _query(populations, special)) is applies


@pytest.mark.parametrize(
    ("question", "special"),
    [
        ("Pregnant woman at 10 weeks on methimazole, ANC 900", ["pregnancy"]),
        ("She is not pregnant; on methimazole with ANC 900", []),
        ("A 10-year-old on chemotherapy with ANC 300", ["child"]),
        ("A 6-week-old baby on ceftriaxone with ANC 800", ["infant", "child"]),
        ("A newborn on ceftriaxone with ANC 800", ["newborn", "infant", "child"]),
        ("Breastfeeding mother on clozapine, ANC 1200", ["breastfeeding"]),
        ("A 70-year-old man on clozapine, ANC 1200", []),
        ("Patient with benign ethnic neutropenia on clozapine, ANC 1200", []),
    ],
)
def test_populations_are_read_from_the_question(
    understander: Understander, question: str, special: list[str]
) -> None:
    situation = understander.understand(question).situation
    assert [p for p in situation.special if p != "infant" or "infant" in special] == special


def test_pregnancy_weeks_and_trimester(understander: Understander) -> None:
    situation = understander.understand("Pregnant woman at 10 weeks on PTU, ANC 900").situation
    assert (situation.pregnancy_weeks, situation.trimester) == (10, 1)
    later = understander.understand("28 weeks pregnant, on methimazole, ANC 900").situation
    assert (later.pregnancy_weeks, later.trimester) == (28, 3)


def test_a_pregnant_patient_gets_no_statement_written_only_for_adults(
    engine: Engine, kb: KnowledgeBase
) -> None:
    article = engine.ask(
        "Pregnant, 20 weeks, on methimazole with ANC 900 and a sore throat. Management?"
    )
    for section in article.sections:
        for statement in section.statements:
            known = kb.statements_by_id.get(statement.id)
            if known is not None:
                assert {"everyone", "pregnancy"} & set(known.when.populations), statement.id
    assert "radioactive iodine" not in article.answer_text().lower()


def test_without_reviewed_guidance_for_the_population_the_bottom_line_says_so(
    engine: Engine,
) -> None:
    article = engine.ask("A 6-week-old baby on ceftriaxone with ANC 800. Management?")
    assert article.bottom_line.text.startswith(
        "Curbside holds no reviewed guidance on ceftriaxone in infants"
    )
    assert "not applied" in article.bottom_line.text
    child = engine.ask("A 9-year-old on clozapine has an ANC of 1200. Should it be stopped?")
    assert "in children" in child.bottom_line.text


def test_scores_are_not_given_for_children(engine: Engine) -> None:
    article = engine.ask(
        "Febrile neutropenia in a 10-year-old outpatient with a solid tumour, mild symptoms, "
        "no hypotension, no COPD. MASCC score?"
    )
    assert all(s.id != "patient-mascc" for sec in article.sections for s in sec.statements)
    assert "adults" in article.bottom_line.text


# ------------------------------------------------------------------ three-valued fever


@pytest.mark.parametrize(
    ("temperature", "sustained", "fever"),
    [
        (38.1, None, None),
        (38.1, True, True),
        (38.1, False, False),
        (38.3, None, True),
        (37.9, None, False),
    ],
)
def test_fever_is_three_valued(
    temperature: float, sustained: bool | None, fever: bool | None
) -> None:
    result = assess_febrile_neutropenia(300, temperature, sustained_1h=sustained)
    assert result.fever is fever
    if fever is None:
        assert "not known" in result.reason and result.febrile_neutropenia is None


@pytest.mark.parametrize(
    ("anc", "expected", "neutropenia"),
    [
        (700, None, None),
        (700, True, True),
        (700, False, False),
        (1200, None, False),
        (400, None, True),
    ],
)
def test_idsa_neutropenia_is_three_valued(
    anc: float, expected: bool | None, neutropenia: bool | None
) -> None:
    result = assess_febrile_neutropenia(anc, 38.6, expected_below_500=expected)
    assert result.neutropenia is neutropenia


@pytest.mark.parametrize(
    ("question", "sustained"),
    [
        ("Temperature 38.2 C for the last 6 hours, ANC 400", True),
        ("temp 38.1 since this morning, ANC 300", True),
        ("a single reading of 38.1 C, ANC 300", False),
        ("temperature 38.1 C, ANC 300; chemotherapy 6 hours ago", None),
        ("temperature 38.1 C, ANC 300", None),
    ],
)
def test_fever_duration_is_read_near_the_temperature(
    understander: Understander, question: str, sustained: bool | None
) -> None:
    data = patient_from_question(understander.understand(question))
    assert data.fever_sustained_1h is sustained


def test_a_sustained_low_grade_fever_meets_the_definition(engine: Engine) -> None:
    article = engine.ask(
        "On clozapine, temperature 38.2 C for the last 2 hours, ANC 300. Next steps?"
    )
    assert article.patient is not None and article.patient.febrile_neutropenia is True
    assert article.bottom_line.id == "bl-febrile"
    undecided = engine.ask(
        "On clozapine, temperature 38.1 C, ANC 300. Is this febrile neutropenia?"
    )
    assert undecided.bottom_line.id == "patient-febrile-neutropenia-undecided"
    assert "not known" in undecided.bottom_line.text


# ------------------------------------------------------------------ negation scope

# Each MASCC and CISNE item: affirmed, negated, and negated beside an affirmed one.
ITEMS = [
    ("copd", "COPD"),
    ("dehydration", "dehydration"),
    ("hypotension", "hypotension"),
    ("prior_fungal_infection", "prior fungal infection"),
    ("stress_hyperglycemia", "stress hyperglycaemia"),
    ("chronic_cardiovascular_disease", "chronic cardiovascular disease"),
]


@pytest.mark.parametrize(("field", "words"), ITEMS)
def test_negation_scope_for_each_score_item(
    understander: Understander, field: str, words: str
) -> None:
    def read(text: str) -> bool | None:
        value: bool | None = getattr(patient_from_question(understander.understand(text)), field)
        return value

    assert read(f"Febrile neutropenia with {words}.") is True
    assert read(f"Febrile neutropenia, no {words}.") is False
    assert read(f"Febrile neutropenia; she has no mucositis and {words}.") is True
    assert read(f"Febrile neutropenia, {words} absent.") is False
    assert read(f"Febrile neutropenia; no fatigue or {words}.") is False  # 'or' keeps the scope
    assert read("Febrile neutropenia, mild symptoms.") is None


def test_no_hypotension_and_copd_means_copd(understander: Understander) -> None:
    data = patient_from_question(understander.understand("FN: no hypotension and COPD."))
    assert (data.hypotension, data.copd) == (False, True)


@pytest.mark.parametrize(
    ("bp", "hypotension"), [("BP 95/60", False), ("BP 85/50", True), ("SBP below 90", True)]
)
def test_blood_pressure_gives_hypotension(
    understander: Understander, bp: str, hypotension: bool
) -> None:
    query = understander.understand(f"Febrile neutropenia, {bp}, on clozapine")
    assert patient_from_question(query).hypotension is hypotension
    assert ("hypotension" in query.situation.unstable) is hypotension


# ------------------------------------------------------------------ values, drugs, asks


def test_wbc_with_a_differential_gives_a_computed_anc(engine: Engine) -> None:
    article = engine.ask("On clozapine, WBC 2.1 with 40% neutrophils. What should I do?")
    assert article.patient is not None and article.patient.anc_per_uL == pytest.approx(840)
    assert "computed" in (article.patient.anc_source or "")


@pytest.mark.parametrize("value", ["ANC 400 mg/dL", "ANC 1e308", "ANC -5"])
def test_impossible_values_are_refused_with_a_note(engine: Engine, value: str) -> None:
    article = engine.ask(f"On clozapine, {value}. What should I do?")
    assert article.patient is None or article.patient.anc_per_uL is None
    assert any("not a possible neutrophil count" in n for n in article.notes)


@pytest.mark.parametrize("word", ["routine", "vitamin", "mother", "holiday"])
def test_ordinary_words_are_not_unknown_drugs(understander: Understander, word: str) -> None:
    query = understander.understand(f"Neutropenia found on {word} bloods, what next?")
    assert query.unknown_drugs == []


def test_a_real_unknown_drug_is_named(understander: Understander) -> None:
    assert understander.understand("Neutropenia on lithium, what next?").unknown_drugs == [
        "lithium"
    ]


def test_look_alike_characters_are_normalised(understander: Understander) -> None:
    cyrillic = "Patient on cl\u043ezapine with ANC 1200"  # Cyrillic o
    hidden = "Patient on cloza\u200bpine with ANC 1200"  # zero-width space
    assert understander.understand(cyrillic).drugs == ["clozapine"]
    assert understander.understand(hidden).drugs == ["clozapine"]


@pytest.mark.parametrize(
    ("question", "covered"),
    [
        ("Which antiemetic is best for a patient on clozapine with neutropenia?", False),
        ("What diet should a patient with neutropenia on chemotherapy follow?", False),
        ("Can a patient on clozapine with ANC 1200 get a flu vaccine?", False),
        ("Patient on clozapine, ANC 1200, vomiting since yesterday. What now?", True),
    ],
)
def test_uncovered_asks_get_no_curated_template(
    engine: Engine, question: str, covered: bool
) -> None:
    article = engine.ask(question)
    assert (article.coverage == "curated") is covered
    if not covered:
        assert "does not cover" in article.bottom_line.text


def test_start_questions_get_the_start_threshold(engine: Engine) -> None:
    low = engine.ask("Baseline ANC 1,700 before starting tocilizumab. OK to start?")
    assert low.bottom_line.id == "bl-tocilizumab-start-low"
    unknown = engine.ask("What neutrophil count is needed before starting sarilumab?")
    assert unknown.bottom_line.id in {"bl-il6-start", "bl-sarilumab-start-low"}
    assert "2,000" in unknown.bottom_line.text


def test_a_question_no_statement_answers_is_not_given_a_template(engine: Engine) -> None:
    article = engine.ask("What dose of anastrozole should be used after neutropenia?")
    assert article.coverage != "curated" or "dos" in article.bottom_line.text.lower()


# ------------------------------------------------------------------ consistency check


def test_consistency_check_catches_a_self_contradicting_article(
    engine: Engine, kb: KnowledgeBase
) -> None:
    good = engine.ask("Woman on ribociclib, ANC 0.4 x10^9/L, temperature 38.6 C. Next steps?")
    assert check_consistency(good, kb) is good
    assert good.patient is not None and good.patient.febrile_neutropenia is True
    calm = good.model_copy(
        update={"bottom_line": good.bottom_line.model_copy(update={"id": "bl-general-management"})}
    )
    with pytest.raises(InconsistentArticle, match="febrile neutropenia"):
        check_consistency(calm, kb)
    no_fever = good.model_copy(
        update={
            "patient": good.patient.model_copy(
                update={"febrile": False, "febrile_neutropenia": False}
            )
        }
    )
    with pytest.raises(InconsistentArticle, match="fever"):
        check_consistency(no_fever, kb)


def test_no_development_answer_contradicts_itself(
    engine: Engine, kb: KnowledgeBase, shared: Path
) -> None:
    for name in ("questions.yaml", "next.yaml"):
        for question in load_eval_file(shared / "eval" / name).questions:
            article: Article = engine.ask(question.question, question.audience)
            assert check_consistency(article, kb) is article


# ------------------------------------------------------------------ vocabulary loader


def test_the_built_in_vocabulary_loads() -> None:
    words = load_vocabulary()
    assert words.intents[0][0] == "classify" and "management" in words.intent_ids


def test_a_section_given_twice_is_refused_with_file_and_line(tmp_path: Path) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        "# more asks\nuncovered_asks:\n  - {id: hair, label: hair loss, triggers: [hair]}\n"
    )
    with pytest.raises(VocabularyError) as info:
        load_vocabulary([extra])
    assert "already given" in info.value.message  # language.yaml gives 'uncovered_asks'
    assert (info.value.path, info.value.line) == (str(extra), 2)


def _copy_of_builtin(tmp_path: Path) -> Path:
    folder = tmp_path / "words"
    folder.mkdir()
    for source in BUILTIN.glob("*.yaml"):
        (folder / source.name).write_text(source.read_text())
    return folder


def load_vocabulary_from(folder: Path) -> None:
    """Load a vocabulary folder in place of the built-in one."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(vocabulary_module, "BUILTIN", folder)
        load_vocabulary()


def test_a_bad_vocabulary_entry_is_refused_with_its_line(tmp_path: Path) -> None:
    folder = _copy_of_builtin(tmp_path)
    path = folder / "situation.yaml"
    path.write_text(
        path.read_text().replace("  - id: pregnancy\n", "  - id: pregnancy\n    colour: red\n")
    )
    with pytest.raises(VocabularyError) as info:
        load_vocabulary_from(folder)
    assert "unknown key 'colour'" in info.value.message
    assert path.read_text().splitlines()[info.value.line - 1].strip() == "colour: red"


def test_an_unknown_section_is_refused(tmp_path: Path) -> None:
    extra = tmp_path / "more.yaml"
    extra.write_text("extra_section: 1\n")
    with pytest.raises(VocabularyError, match="unknown key 'extra_section'"):
        load_vocabulary([extra])


def test_a_bad_regular_expression_is_refused(tmp_path: Path) -> None:
    folder = _copy_of_builtin(tmp_path)
    path = folder / "language.yaml"
    path.write_text(path.read_text().replace(r"'\bdiet\b'", r"'\bdiet('", 1))
    with pytest.raises(VocabularyError, match="not a valid regular expression"):
        load_vocabulary_from(folder)


def test_a_pack_naming_an_unknown_population_is_refused_with_its_line(tmp_path: Path) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text(
        "pack: p\ntitle: t\nupdated: 2026-12-04\nsources:\n"
        "  - {id: s, title: T, publisher: P, kind: review, url: 'https://example.org'}\n"
        "statements:\n  - id: st\n    section: severity\n"
        "    when: {populations: [astronauts]}\n"
        "    text: {clinician: 'A statement for the test.'}\n"
        "    cite: [{source: s, locator: 'Section 1'}]\n"
    )
    with pytest.raises(PackError) as info:
        load_packs([pack])
    assert "unknown population 'astronauts'" in info.value.message and info.value.line == 9


def test_febrile_neutropenia_leads_for_a_special_population(engine: Engine) -> None:
    """No reviewed emergency statement is written for pregnancy: the calculator's finding that
    this is febrile neutropenia, an emergency, leads, and the gap is said."""
    article = engine.ask("Pregnant, on clozapine, ANC 400, temperature 38.9 C. What now?")
    assert article.bottom_line.id == "patient-febrile-neutropenia"
    assert "emergency" in article.bottom_line.text and "in pregnancy" in article.bottom_line.text
