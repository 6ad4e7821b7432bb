"""Benchmark: engine answer latency per kind of question, each as a ratio to a baseline run here.

../shared/data is ingested (`curbside.ingest.run.ingest`, dense off) into a temporary data
folder; then `Engine.ask` answers, at least 200 times each (after one warm-up pass):

- curated: the evaluation questions of ../shared/eval/questions.yaml expected to be curated;
- digest: out-of-scope questions with relevant passages (answered by an evidence digest);
- patient: questions about a patient, with data from FHIR Bundles and a patient file
  (`PatientData`), parsed once beforehand; the row "patient+parse" also times `from_fhir_bundle`.

Once with `Settings(publish=False)` and once with publishing on (SQLite library in the data
folder: a question asked again is answered from the stored article). Baseline: serialising an
already-built article to JSON (`Article.model_dump_json`), the floor of any answer. Target: the
curated median under 20 ms (publishing off and on). Exit status 1 when a target is missed.

    python bench/bench_engine.py [--min-asks N]
"""

from __future__ import annotations

import argparse
import math
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from curbside.engine import Engine
from curbside.evaluate import load_eval_file
from curbside.ingest.run import ingest
from curbside.models import Article
from curbside.patient.fhir import from_fhir_bundle
from curbside.patient.model import PatientData, Reading
from curbside.retrieve import Retriever
from curbside.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
QUESTIONS = ROOT.parent / "shared" / "eval" / "questions.yaml"
MIN_ASKS = 200
CURATED_TARGET_MS = 20.0

DIGEST = [
    "Who is at risk for Acanthamoeba keratitis?",
    "What are the symptoms of anemia?",
    "How is asthma diagnosed?",
    "What causes sickle cell disease?",
    "How is Lyme disease treated?",
    "Who is at risk for heart failure?",
    "How can malaria be prevented?",
    "What are the treatments for high blood pressure?",
    "How is hemochromatosis diagnosed?",
    "What are the side effects of radiation therapy?",
]

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


def _observation(code: str, value: float, unit: str, when: str) -> dict[str, object]:
    return {
        "resource": {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": LOINC, "code": code}]},
            "subject": {"reference": "Patient/p1"},
            "effectiveDateTime": when,
            "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
        }
    }


def _medicine(name: str) -> dict[str, object]:
    return {
        "resource": {
            "resourceType": "MedicationRequest",
            "status": "active",
            "intent": "order",
            "subject": {"reference": "Patient/p1"},
            "medicationCodeableConcept": {"text": name},
        }
    }


def _bundle(birth: str, *entries: dict[str, object]) -> dict[str, object]:
    patient = {
        "fullUrl": "urn:uuid:patient-1",
        "resource": {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": birth},
    }
    return {"resourceType": "Bundle", "type": "collection", "entry": [patient, *entries]}


BUNDLES: list[tuple[str, dict[str, object]]] = [
    (
        "Neutropenia on palbociclib: what should I do?",
        _bundle(
            "1960-05-14",
            _observation("751-8", 0.4, "10*3/uL", "2026-11-20T08:30:00Z"),
            _observation("8310-5", 37.1, "Cel", "2026-11-20T08:30:00Z"),
            _medicine("palbociclib"),
            _medicine("letrozole"),
        ),
    ),
    (
        "What next for this patient?",
        _bundle(
            "1971-02-03",
            _observation("26499-4", 0.3, "10*9/L", "2026-11-21T22:00:00+01:00"),
            _observation("8310-5", 38.6, "Cel", "2026-11-21T22:00:00+01:00"),
            _medicine("ribociclib"),
        ),
    ),
]
FILE_PATIENTS: list[tuple[str, PatientData]] = [
    (
        "Neutropenia management?",
        PatientData(
            wbc=Reading(value=2500, as_written="2.5 x10^9/L"),
            neutrophil_percent=20,
            medications=["clozapine"],
            origin={"wbc": "file", "neutrophil_percent": "file", "medications": "file"},
        ),
    ),
    (
        "Should I hold tocilizumab?",
        PatientData(
            anc=Reading(value=800, as_written="800/µL"),
            medications=["tocilizumab"],
            origin={"anc": "file", "medications": "file"},
        ),
    ),
]


def curated_questions() -> list[str]:
    questions = load_eval_file(QUESTIONS).questions
    return [q.question for q in questions if q.expect.coverage == "curated"]


def _percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def measure(calls: list[Callable[[], object]], min_asks: int) -> tuple[float, float, int]:
    """Median and p95 (ms) over whole rounds of `calls` (at least `min_asks` calls), after one
    warm-up round."""
    for call in calls:
        call()
    rounds = math.ceil(min_asks / len(calls))
    times = []
    for _ in range(rounds):
        for call in calls:
            start = time.perf_counter()
            call()
            times.append((time.perf_counter() - start) * 1000)
    p50, p95 = _percentiles(times)
    return p50, p95, len(times)


def _ask(engine: Engine, question: str, patient: PatientData | None = None) -> Callable[[], object]:
    return lambda: engine.ask(question, patient=patient)


def _ask_fhir(engine: Engine, question: str, bundle: dict[str, object]) -> Callable[[], object]:
    return lambda: engine.ask(question, patient=from_fhir_bundle(bundle))


def rows_for(engine: Engine, min_asks: int) -> dict[str, tuple[float, float, int]]:
    curated = curated_questions()
    coverages = {engine.ask(q).coverage for q in curated}
    assert coverages == {"curated"}, coverages
    digest_cov = {engine.ask(q).coverage for q in DIGEST}
    assert digest_cov == {"digest"}, digest_cov
    patients = [(q, from_fhir_bundle(b)) for q, b in BUNDLES] + FILE_PATIENTS
    assert all(engine.ask(q, patient=p).patient is not None for q, p in patients)
    return {
        "curated": measure([_ask(engine, q) for q in curated], min_asks),
        "digest": measure([_ask(engine, q) for q in DIGEST], min_asks),
        "patient": measure([_ask(engine, q, p) for q, p in patients], min_asks),
        "patient+parse": measure([_ask_fhir(engine, q, b) for q, b in BUNDLES], min_asks),
    }


def baseline(article: Article, min_asks: int) -> float:
    return measure([article.model_dump_json], min_asks)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-asks", type=int, default=MIN_ASKS)
    args = parser.parse_args()
    min_asks: int = args.min_asks
    with tempfile.TemporaryDirectory(prefix="curbside-bench-engine-") as folder:
        home = Path(folder)
        settings = Settings(home=home, dense="off", publish=False)
        retriever = Retriever(settings)
        start = time.perf_counter()
        report = ingest([DATA], retriever.store)
        retriever.lexical.refresh()
        print(f"ingested {report.passages:,} passages in {time.perf_counter() - start:.1f} s")
        assert not report.failed, report.failed
        results: dict[str, dict[str, tuple[float, float, int]]] = {}
        engine = Engine(settings)
        article = engine.ask(curated_questions()[0])
        base_ms = baseline(article, min_asks)
        results["publish off"] = rows_for(engine, min_asks)
        published = Engine(settings.model_copy(update={"publish": True}))
        results["publish on (SQLite)"] = rows_for(published, min_asks)
    print(
        f"\nbaseline: Article.model_dump_json median {base_ms:.3f} ms "
        f"({len(article.model_dump_json()):,} bytes)\n"
    )
    print(
        f"{'mode':<20} {'questions':<14} {'asks':>5} {'median ms':>10} {'p95 ms':>8} {'ratio':>8}"
    )
    for mode, rows in results.items():
        for kind, (p50, p95, n) in rows.items():
            print(f"{mode:<20} {kind:<14} {n:>5} {p50:>10.2f} {p95:>8.2f} {p50 / base_ms:>7.1f}x")
    ok = True
    for mode, rows in results.items():
        p50 = rows["curated"][0]
        met = p50 < CURATED_TARGET_MS
        ok = ok and met
        print(
            f"{'PASS' if met else 'MISS'}: curated median {p50:.2f} ms with {mode} "
            f"(target < {CURATED_TARGET_MS:.0f} ms, {p50 / CURATED_TARGET_MS:.3f} of target)"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
