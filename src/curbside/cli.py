"""The `curbside` command: a thin shell over the engine."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from curbside import __version__
from curbside.models import AUDIENCES

EXIT_BAD_INPUT = 2
EXIT_BAD_KNOWLEDGE = 3


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

    ev = commands.add_parser("eval", help="run an evaluation question file")
    ev.add_argument("file", type=Path, help="questions in the format of shared/eval/questions.yaml")
    ev.add_argument("--only", default="", help="comma-separated question ids to run")

    knowledge = commands.add_parser("knowledge", help="inspect the knowledge packs")
    knowledge_commands = knowledge.add_subparsers(dest="action", required=True)
    check = knowledge_commands.add_parser("check", help="validate packs and report problems")
    check.add_argument("paths", nargs="*", type=Path, help="extra pack files or folders")
    return parser


def _ask(args: argparse.Namespace) -> int:
    from curbside.compose.render import render
    from curbside.engine import Engine

    article = Engine().ask(args.question, args.audience)
    sys.stdout.write(render(article, args.format))
    return 0


def _eval(args: argparse.Namespace) -> int:
    from curbside.engine import Engine
    from curbside.evaluate import load_eval_file, report, run_eval

    eval_file = load_eval_file(args.file)
    wanted = {i.strip() for i in args.only.split(",") if i.strip()}
    questions = [q for q in eval_file.questions if not wanted or q.id in wanted]
    unknown = wanted - {q.id for q in eval_file.questions}
    if unknown:
        raise ValueError(f"no such question id in {args.file}: {', '.join(sorted(unknown))}")
    start = time.perf_counter()
    engine = Engine()
    outcomes = run_eval(engine, questions)
    print(report(outcomes, time.perf_counter() - start))
    return 0 if all(o.passed for o in outcomes) else 1


def _knowledge_check(args: argparse.Namespace) -> int:
    from curbside.knowledge.base import KnowledgeBase

    kb = KnowledgeBase.load(args.paths)
    print(
        f"ok: {len(kb.pack_files)} packs, {len(kb.sources)} sources, {len(kb.drugs)} drugs, "
        f"{len(kb.classes)} classes, {len(kb.statements)} statements"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from curbside.knowledge.loader import PackError
    from curbside.understand import QuestionError

    handlers = {"ask": _ask, "eval": _eval, "knowledge": _knowledge_check}
    try:
        return handlers[args.command](args)
    except PackError as exc:
        print(f"curbside: knowledge pack error: {exc}", file=sys.stderr)
        return EXIT_BAD_KNOWLEDGE
    except (QuestionError, ValueError) as exc:
        print(f"curbside: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
