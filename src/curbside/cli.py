"""The `curbside` command: a thin shell over the engine."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from curbside import __version__
from curbside.ingest.document import DOCUMENT_KINDS
from curbside.library_commands import add_commands as add_library_commands
from curbside.models import AUDIENCES

EXIT_BAD_INPUT = 2
EXIT_BAD_KNOWLEDGE = 3
EXIT_LIBRARY = 4  # refused by the library (permission, conflict, not found, bad transition) or
# unavailable (locked, full, read-only, unreachable: an answer is still printed, unstored)
EXIT_DAMAGED = 5  # the evidence store's file is damaged: ingest again


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="curbside", description="Cited answers to questions on drug-induced neutropenia."
    )
    parser.add_argument("--version", action="version", version=f"curbside {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    ask = commands.add_parser("ask", help="answer one question")
    ask.add_argument("question", help="the question, in quotes")
    ask.add_argument("--audience", choices=AUDIENCES, default=None, help="who is reading")
    ask.add_argument(
        "--format", choices=("markdown", "json", "html"), default="markdown", help="output format"
    )
    ask.add_argument(
        "--patient", type=Path, help="patient data file (JSON or YAML; see curbside.patient.file)"
    )
    ask.add_argument("--fhir", type=Path, help="FHIR R4 Bundle (JSON) of the patient's record")

    ev = commands.add_parser("eval", help="run an evaluation question file")
    ev.add_argument("file", type=Path, help="questions in the format of shared/eval/questions.yaml")
    ev.add_argument("--only", default="", help="comma-separated question ids to run")

    ingest = commands.add_parser("ingest", help="read source files into the evidence store")
    ingest.add_argument("paths", nargs="+", type=Path, help="files or folders to ingest")
    ingest.add_argument(
        "--no-embed", action="store_true", help="skip dense vectors (retrieval stays lexical)"
    )

    search = commands.add_parser("search", help="show the passages that best match a query")
    search.add_argument("query", help="what to look for")
    search.add_argument("--k", type=int, default=5, help="how many passages (default 5)")
    search.add_argument("--drug", action="append", default=[], help="only passages about DRUG")
    search.add_argument(
        "--kind", action="append", default=[], choices=DOCUMENT_KINDS, help="only KIND documents"
    )
    search.add_argument("--mode", choices=("hybrid", "lexical", "dense"), default="hybrid")
    search.add_argument("--format", choices=("text", "json"), default="text")

    verify = commands.add_parser(
        "verify", help="check every curated statement against the ingested text of its source"
    )
    verify.add_argument("--format", choices=("text", "json"), default="text")

    serve = commands.add_parser("serve", help="run the web app, JSON API and CDS Hooks service")
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")

    add_library_commands(commands)

    knowledge = commands.add_parser("knowledge", help="inspect the knowledge packs")
    knowledge_commands = knowledge.add_subparsers(dest="action", required=True)
    check = knowledge_commands.add_parser("check", help="validate packs and report problems")
    check.add_argument("paths", nargs="*", type=Path, help="extra pack files or folders")
    check.add_argument(
        "--strict",
        action="store_true",
        help="also run every quality gate (question forms, thresholds, patient wording, quotes)",
    )
    knowledge_commands.add_parser("schema", help="print the JSON Schema of a knowledge pack")
    report = knowledge_commands.add_parser(
        "report", help="coverage: drugs, question forms answered, sources and verification"
    )
    report.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def _ask(args: argparse.Namespace) -> int:
    from curbside.compose.render import render
    from curbside.patient.merge import merge

    # Precedence: the question, then the patient file, then the FHIR record.
    parts = []
    if args.patient:
        from curbside.patient.file import load_patient_file

        parts.append(load_patient_file(args.patient))
    if args.fhir:  # the FHIR R4B models take a third of a second to import: only when needed
        from curbside.patient.fhir import from_fhir_bundle

        parts.append(from_fhir_bundle(args.fhir))
    patient = merge(*parts) if parts else None
    from curbside.service import ArticleService

    outcome = ArticleService().respond(args.question, args.audience, patient=patient)
    sys.stdout.write(render(outcome.article, args.format))
    if outcome.outage is not None:  # answered, but not stored
        print(f"curbside: the article library is unavailable: {outcome.outage}", file=sys.stderr)
        return EXIT_LIBRARY
    return 0


def _eval(args: argparse.Namespace) -> int:
    from curbside.evaluate import load_eval_file, report, run_eval
    from curbside.service import ArticleService

    eval_file = load_eval_file(args.file)
    wanted = {i.strip() for i in args.only.split(",") if i.strip()}
    questions = [q for q in eval_file.questions if not wanted or q.id in wanted]
    unknown = wanted - {q.id for q in eval_file.questions}
    if unknown:
        raise ValueError(f"no such question id in {args.file}: {', '.join(sorted(unknown))}")
    start = time.perf_counter()
    outcomes = run_eval(ArticleService(), questions)
    print(report(outcomes, time.perf_counter() - start))
    return 0 if all(o.passed for o in outcomes) else 1


def _knowledge(args: argparse.Namespace) -> int:
    if args.action == "schema":
        import json

        from curbside.knowledge.schema import Pack

        print(json.dumps(Pack.model_json_schema(), ensure_ascii=False, indent=2))
        return 0
    return _knowledge_report(args) if args.action == "report" else _knowledge_check(args)


def _knowledge_report(args: argparse.Namespace) -> int:
    import dataclasses
    import json

    from curbside.coverage import build_report, render_report
    from curbside.knowledge.base import KnowledgeBase
    from curbside.retrieve.store import EvidenceStore
    from curbside.settings import Settings

    settings = Settings()
    verdicts = None
    if settings.evidence_path.is_file():
        stored = EvidenceStore(settings.evidence_path).verdicts()
        verdicts = {statement_id: support for statement_id, (_, support) in stored.items()}
    report = build_report(KnowledgeBase.load(settings.packs), verdicts)
    if args.format == "json":
        print(json.dumps(dataclasses.asdict(report), indent=2))
    else:
        print(render_report(report))
    return 0


def _knowledge_check(args: argparse.Namespace) -> int:
    from curbside.knowledge.base import KnowledgeBase
    from curbside.settings import Settings

    kb = KnowledgeBase.load([*Settings().packs, *args.paths])
    summary = (
        f"{len(kb.pack_files)} packs, {len(kb.sources)} sources, {len(kb.drugs)} drugs, "
        f"{len(kb.classes)} classes, {len(kb.statements)} statements"
    )
    if not args.strict:
        print(f"ok: {summary}")
        return 0
    from curbside.knowledge.gates import strict_errors
    from curbside.verify.anchoring import anchoring

    errors = strict_errors(kb)
    for error in errors:
        print(error, file=sys.stderr)
    cover = anchoring(kb, None).overall
    share = cover.anchored / cover.statements if cover.statements else 0.0
    anchored = (
        f"{cover.anchored} of {cover.statements} statements anchored by a quote ({share:.0%}), "
        f"{cover.supported} of them holding their statement"
    )
    if errors:
        print(f"curbside: {len(errors)} errors in {summary}; {anchored}", file=sys.stderr)
        return 1
    print(f"ok (strict): {summary}; {anchored}")
    return 0


def _progress(line: str) -> None:
    print(f"  {line}", file=sys.stderr, flush=True)


def _ingest(args: argparse.Namespace) -> int:
    from curbside.ingest.run import eta, ingest
    from curbside.retrieve import Retriever
    from curbside.settings import Settings

    settings = Settings()
    if args.no_embed:
        settings = settings.model_copy(update={"dense": "off"})
    retriever = Retriever(settings)
    start = time.perf_counter()
    result = ingest(args.paths, retriever.store, _progress)
    for failure in result.failed:
        print(f"curbside: skipped a file that could not be read: {failure}", file=sys.stderr)
    embedded = 0
    if retriever.dense is not None:
        began = time.perf_counter()
        embedded = retriever.dense.embed_missing(
            lambda done, total: _progress(
                f"embedded {done}/{total} passages{eta(done, total, time.perf_counter() - began)}"
            )
        )
    retriever.lexical.refresh()
    counts = retriever.store.counts()
    print(
        f"ingested {result.files} files ({result.added} new, {result.replaced} changed, "
        f"{result.unchanged} unchanged, {result.removed} removed, {len(result.failed)} failed, "
        f"{len(result.skipped)} of no supported type, {len(result.empty)} with nothing to keep"
        f"): {result.passages} passages written, "
        f"{embedded} embedded, in {time.perf_counter() - start:.1f} s. Store: "
        f"{counts['files']} files, {counts['documents']} documents, {counts['passages']} passages."
    )
    if args.no_embed:
        print("note: --no-embed: new passages have no vectors; retrieval is lexical for them")
    elif retriever.dense_note:
        print(f"note: {retriever.dense_note}; retrieval is lexical only")
    return 1 if result.failed else 0


def _search(args: argparse.Namespace) -> int:
    import json

    from curbside.retrieve import Retriever
    from curbside.retrieve.lexical import Filters
    from curbside.settings import Settings

    if args.k < 1:
        raise ValueError("--k must be at least 1")
    settings = Settings()
    if not settings.evidence_path.is_file():
        raise ValueError(f"nothing ingested yet in {settings.home}: run `curbside ingest PATH`")
    retriever = Retriever(settings)
    filters = Filters(tuple(d.lower() for d in args.drug), tuple(args.kind))
    result = retriever.search(args.query, args.k, filters, args.mode)
    if args.format == "json":
        rows = [
            {
                "source_id": h.passage.document_key,
                "path": h.passage.path,
                "title": h.passage.title,
                "section": h.passage.section,
                "text": h.passage.text,
                "score": round(h.score, 6),
            }
            for h in result.hits
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    print(f"{len(result.hits)} passages ({result.mode}{'; ' + result.note if result.note else ''})")
    for n, hit in enumerate(result.hits, start=1):
        p = hit.passage
        print(f"\n{n}. {p.title} [{p.document_key}]  score {hit.score:.4f}")
        if p.section:
            print(f"   section: {p.section}")
        print(f"   file: {p.path}")
        print(f"   {p.text}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    import dataclasses
    import json

    from curbside.knowledge.base import KnowledgeBase
    from curbside.retrieve import Retriever
    from curbside.settings import Settings
    from curbside.verify.anchoring import (
        anchoring,
        anchoring_json,
        anchoring_report,
        combined_support,
    )
    from curbside.verify.support import Verifier, report, save_verdicts, verdict_json

    settings = Settings()
    if not settings.evidence_path.is_file():
        raise ValueError(f"nothing ingested yet in {settings.home}: run `curbside ingest PATH`")
    retriever = Retriever(settings)
    embedder = retriever.dense.embedder if retriever.dense is not None else None
    verifier = Verifier(KnowledgeBase.load(settings.packs), retriever.store, embedder)
    anchored = anchoring(verifier.kb, verifier)
    checks = {c.statement_id: c for c in anchored.checks}
    verdicts = [
        dataclasses.replace(v, support=combined_support(v.support, checks[v.statement_id]))
        for v in verifier.verify_all()
    ]
    save_verdicts(retriever.store, verdicts)
    if args.format == "json":
        out = {"verdicts": [verdict_json(v) for v in verdicts], **anchoring_json(anchored)}
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(report(verdicts))
        print(anchoring_report(anchored))
    failed = any(v.support == "unsupported" for v in verdicts) or anchored.failures > 0
    return 1 if failed else 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from curbside.web.app import create_app

    uvicorn.run(create_app(), host=args.host, port=args.port)
    return 0


def _library(args: argparse.Namespace) -> int:
    from curbside.library_commands import run

    return run(args)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from curbside.knowledge.loader import PackError
    from curbside.library import LibraryError
    from curbside.retrieve.store import EvidenceStoreDamaged
    from curbside.understand import QuestionError

    handlers = {
        "ask": _ask,
        "eval": _eval,
        "ingest": _ingest,
        "search": _search,
        "verify": _verify,
        "serve": _serve,
        "library": _library,
        "review": _library,
        "users": _library,
        "knowledge": _knowledge,
    }
    try:
        return handlers[args.command](args)
    except BrokenPipeError:
        # The reader went away (`curbside knowledge report | head`): stop quietly, and keep
        # Python from complaining again when it flushes stdout on exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except PackError as exc:
        print(f"curbside: knowledge pack error: {exc}", file=sys.stderr)
        return EXIT_BAD_KNOWLEDGE
    except LibraryError as exc:
        print(f"curbside: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_LIBRARY
    except PermissionError as exc:
        print(f"curbside: permission denied: {exc}", file=sys.stderr)
        return EXIT_LIBRARY
    except EvidenceStoreDamaged as exc:
        print(f"curbside: {exc}", file=sys.stderr)
        return EXIT_DAMAGED
    except (QuestionError, ValueError) as exc:
        print(f"curbside: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
