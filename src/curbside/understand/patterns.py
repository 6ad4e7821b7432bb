"""Words that reveal the condition, infections, fever and the reader's intent.

These are language, not clinical knowledge: they say what a question is about, never what to do.
"""

from __future__ import annotations

import re

from curbside.models import ConditionName, InfectionName, Intent


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


CONDITION_PATTERNS: list[tuple[ConditionName, re.Pattern[str]]] = [
    (
        "febrile-neutropenia",
        _any(
            r"\bfebrile neutropeni",
            r"\bneutropenic (?:fever|sepsis)",
            r"\bfever (?:and|with|in) (?:a )?neutropeni",
            r"\bneutropeni[ac]\w* (?:and|with) (?:a )?fever",
        ),
    ),
    ("agranulocytosis", _any(r"\bagranulocytos", r"\bagranulocytic")),
    (
        "neutropenia",
        _any(
            r"\bneutropeni",
            r"\bneutrophil",
            r"\bgranulocytopeni",
            r"\banc\b",
            r"\blow (?:white (?:blood )?(?:cell )?count|white cells|wbc|white blood cells)",
            r"\b(?:white (?:blood )?(?:cells?|counts?|cell counts?)|wbc)"
            r" (?:is |was |are |were |came back |have |has )?(?:very |quite |too )?"
            r"(?:low|down|dropped|fallen|decreased)",
            r"\bg-?csf\b|\bfilgrastim|\bpegfilgrastim|\bgrowth factors?\b|colony[- ]stimulating",
        ),
    ),
]

INFECTION_PATTERNS: list[tuple[InfectionName, re.Pattern[str]]] = [
    (
        "viral-urti",
        _any(
            r"\bupper respiratory(?: tract)? infection",
            r"\burti?\b",
            r"\bcommon cold\b",
            r"\b(?:a|the) cold\b",
            r"\bviral (?:illness|infection|syndrome)",
            r"\bflu-like\b|\binfluenza\b|\bcovid",
        ),
    ),
    ("pneumonia", _any(r"\bpneumonia", r"\bchest infection", r"\blower respiratory")),
    ("sore-throat", _any(r"\bsore throat", r"\bpharyngitis", r"\btonsillitis")),
    ("sepsis", _any(r"\bsepsis\b", r"\bseptic\b", r"\bsepticaemia|\bsepticemia")),
    ("skin", _any(r"\bcellulitis", r"\bskin infection", r"\babscess")),
    ("urinary", _any(r"\burinary tract infection", r"\buti\b", r"\bpyelonephritis")),
    ("any", _any(r"\binfect(?:ion|ed|ions)\b")),
]

AFEBRILE = _any(
    r"\bafebrile\b",
    r"\bno (?:sign of )?fever",
    r"\bwithout (?:a )?fever",
    r"\bnot febrile\b",
    r"\bdenies fever",
    r"\bno temperature\b",
)
FEBRILE = _any(r"\bfever", r"\bfebrile\b", r"\bpyrexi", r"\bspiking\b", r"\bhigh temperature")
HYPOTHETICAL_FEVER = _any(
    r"\b(?:if|when|should) (?:she|he|they|the patient|the child|i|we|you)?\s*"
    r"(?:develops?|gets?|has|have|runs?|spikes?)? ?(?:a )?(?:fever|temperature)",
    r"\bwhat if .{0,30}fever",
    r"\bin case of fever",
)

# Ordered most specific first: the first intent found is the question's main intent.
# Words that put a question about a drug on blood counts even without "neutropenia".
BLOOD_COUNT = re.compile(
    r"\b(?:cbcs?|complete blood counts?|blood counts?|blood tests?|blood work|bloods|"
    r"check(?:ing|ed)? (?:the |his |her |their )?counts?|"
    r"blood (?:be )?(?:tested|checked)|white (?:blood )?(?:cells?|counts?)|wbc|neutrophils?|anc)\b"
)

# "grade 3 neutropenia", "G4 neutropenia", "neutropenia grade 2", "grade 3 ANC".
GRADE_PATTERN = re.compile(
    r"\b(?:ctcae\s+)?(?:grade|g)\s*(?P<a>[1-4])\b(?=[^.?!]{0,30}\b(?:neutrop|anc|neutrophil))"
    r"|\bneutropenia,?\s+(?:ctcae\s+)?grade\s*(?P<b>[1-4])\b"
)

INTENT_PATTERNS: list[tuple[Intent, re.Pattern[str]]] = [
    ("risk-score", _any(r"\bmascc\b", r"\bcisne\b", r"\brisk (?:score|index|stratif)")),
    (
        "growth-factor",
        _any(
            r"\bg-?csf\b",
            r"\bfilgrastim",
            r"\bpegfilgrastim",
            r"\bgrowth factors?\b",
            r"colony[- ]stimulating",
        ),
    ),
    (
        "prophylaxis",
        _any(
            r"\bprophyla",
            r"\bprevent(?:ive|ion|ing)? (?:infection|antibiotic|antifungal)",
            r"\bpreventive antibiotics",
        ),
    ),
    (
        "empiric-therapy",
        _any(
            r"\bantibiotics?\b",
            r"\bantimicrobials?\b",
            r"\bempiric",
            r"\bfirst dose\b",
            r"\bantibacterial",
        ),
    ),
    (
        "grading",
        _any(
            r"\bgraded\b",
            r"\bgrading\b",
            r"\bctcae\b",
            r"\bclassif",
            r"\bhow severe\b",
            r"\bwhat grade\b",
            r"\bgrades? of\b",
        ),
    ),
    (
        "hold",
        _any(
            r"\bhow long\b.{0,40}\b(?:hold|stop|discontinu|withh[oe]ld|interrupt|pause|off)",
            r"\b(?:hold|held|withhold|withheld|stop(?:ped)?|discontinu\w*|interrupt\w*|paus\w*)\b",
            r"\bcontinue or\b|\bor continue\b|\bkeep (?:taking|giving|on)\b",
        ),
    ),
    ("rechallenge", _any(r"\brechalleng", r"\bre-?expos", r"\btry (?:it |\w+ )?again\b")),
    (
        "resume",
        _any(
            r"\brestart",
            r"\bresum",
            r"\brechalleng",
            r"\bstart (?:it |again|back)",
            r"\bgo back on\b",
            r"\bre-?start",
        ),
    ),
    (
        "monitoring",
        _any(
            r"\bhow often\b",
            r"\bmonitor",
            r"\bfrequency of\b",
            r"\bcheck(?:ed|ing)?\b.{0,30}\b(?:counts?|cbc|neutrophils?|anc|blood)",
            r"\bblood tests?\b",
        ),
    ),
    (
        "alternatives",
        _any(
            r"\balternatives?\b",
            r"\bswitch",
            r"\binstead\b",
            r"\bsubstitut",
            r"\breplace",
            r"\bother options?\b",
            r"\bchange (?:to|the)\b",
        ),
    ),
    ("dosing", _any(r"\bdos(?:e|es|ing|age)\b", r"\bhow much\b", r"\bmg\b")),
    (
        "risk",
        _any(
            r"\bdoes \w+ cause\b",
            r"\bcan \w+ cause\b",
            r"\bhow common\b",
            r"\bincidence\b",
            r"\brisk of\b",
            r"\blikely\b",
            r"\bcaus(?:e|ing) (?:low|neutropeni)",
        ),
    ),
    (
        "management",
        _any(
            r"\bmanag",
            r"\btreat",
            r"\bwhat (?:should|do|can|to)\b",
            r"\bnext steps?\b",
            r"\bwhat now\b",
            r"\bapproach\b",
            r"\bwork-?up\b",
            r"\bshould (?:i|we|she|he)\b",
            r"\bwhat to do\b",
        ),
    ),
]
