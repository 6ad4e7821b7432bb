"""`curbside library ...`, `curbside review ...` and `curbside users ...`: thin commands over the
article library.

Who acts: review commands act as the user whose API token is given (`--token` or
`CURBSIDE_TOKEN`); `library` commands read as that user, or as an anonymous reader (published
articles only) without a token; `users` commands are the operator's, run on the machine that holds
the library, as its `curbside` account.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date, timedelta

from curbside.library import ArticleRecord, Library, User
from curbside.library.accounts import TOKEN_DAYS
from curbside.library.system import system_user
from curbside.library.workflow import REVIEW_ACTIONS
from curbside.models import REVIEW_STATUSES
from curbside.settings import Settings


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The library, review and users commands and their options."""
    library = commands.add_parser("library", help="the article library: list, show, history")
    library_commands = library.add_subparsers(dest="action", required=True)
    listing = library_commands.add_parser("list", help="articles, newest first, with filters")
    listing.add_argument("--text", help="words that must appear in question, title or answer")
    listing.add_argument("--drug", help="articles about this drug")
    listing.add_argument("--status", choices=REVIEW_STATUSES)
    listing.add_argument("--since", type=date.fromisoformat, help="current version from (date)")
    listing.add_argument("--until", type=date.fromisoformat, help="current version until (date)")
    listing.add_argument("--limit", type=int, default=50)
    show = library_commands.add_parser("show", help="one article (by id or slug)")
    show.add_argument("article", help="article id or slug")
    show.add_argument("--version", type=int, help="an older version (editors and reviewers)")
    show.add_argument("--format", choices=("markdown", "json", "html"), default="markdown")
    history = library_commands.add_parser("history", help="versions, comments and audit log")
    history.add_argument("article", help="article id or slug")

    review = commands.add_parser("review", help="editorial workflow on one article")
    review_commands = review.add_subparsers(dest="action", required=True)
    for action in REVIEW_ACTIONS.values():
        step = review_commands.add_parser(action.name, help=f"move the article to {action.to}")
        step.add_argument("article", help="article id or slug")
        step.add_argument("--note", help="why (kept in the audit log)")
    comment = review_commands.add_parser("comment", help="comment on the article or a statement")
    comment.add_argument("article", help="article id or slug")
    comment.add_argument("text", help="the comment")
    comment.add_argument("--statement", help="the statement id commented on")

    users = commands.add_parser("users", help="people and API tokens (operator)")
    users_commands = users.add_subparsers(dest="action", required=True)
    add = users_commands.add_parser("add", help="add a user")
    add.add_argument("name")
    add.add_argument("--role", choices=("reader", "editor", "reviewer", "admin"), required=True)
    add.add_argument(
        "--password-stdin", action="store_true", help="read a password from standard input"
    )
    token = users_commands.add_parser("token", help="create an API token (shown once)")
    token.add_argument("name")
    token.add_argument("--label", default="", help="what the token is for")
    token.add_argument(
        "--days", type=int, default=TOKEN_DAYS, help=f"days it works (default {TOKEN_DAYS})"
    )
    tokens = users_commands.add_parser("tokens", help="list API tokens (one user's, or all)")
    tokens.add_argument("name", nargs="?", help="only this user's tokens")
    revoke = users_commands.add_parser("revoke", help="revoke an API token by its id")
    revoke.add_argument("id", type=int, help="the token's id (see `curbside users tokens`)")
    for parser in (listing, show, history, *review_commands.choices.values()):
        parser.add_argument("--token", help="API token (default: $CURBSIDE_TOKEN)")


def run(args: argparse.Namespace) -> int:
    """Run a library, review or users command."""
    from curbside.service import ArticleService

    # The library commands use the library whether or not answers are published to it.
    service = ArticleService(Settings().model_copy(update={"publish": True}))
    try:
        with service.library() as library:
            if args.command == "users":
                return _users(library, args)
            if args.command == "review":
                return _review(library, args)
            return _library(library, args)
    finally:
        service.close()


def _actor(library: Library, args: argparse.Namespace) -> User | None:
    token = getattr(args, "token", None) or os.environ.get("CURBSIDE_TOKEN")
    return library.user_for_token(token) if token else None


def _record(library: Library, key: str, viewer: User | None) -> ArticleRecord:
    from curbside.library import NotFound

    try:
        return library.get(key, viewer)
    except NotFound:
        return library.by_slug(key, viewer)


def one_line(text: str) -> str:
    """Text as one line of terminal output: line breaks, other control characters and escape
    sequences are shown as escapes, so that what a user wrote (a comment, a note) cannot forge
    lines or colours of the output."""
    return "".join(
        c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii")
        for c in text
    )


def _line(record: ArticleRecord) -> str:
    return (
        f"{record.id}  {record.status:<17} v{record.current_version}  {record.slug}\n"
        f"    {one_line(record.title)} ({record.audience})"
    )


def _library(library: Library, args: argparse.Namespace) -> int:
    from curbside.compose.render import render

    viewer = _actor(library, args)
    if args.action == "list":
        found = library.search(
            args.text,
            drug=args.drug,
            status=args.status,
            since=args.since,
            until=args.until,
            viewer=viewer,
            limit=args.limit,
        )
        print(f"{len(found)} articles")
        for record in found:
            print(_line(record))
        if viewer is None:
            # Without a token only approved articles are listed: say so, on stderr.
            print(
                "curbside: approved articles only; drafts and articles in review need a token "
                "(--token or CURBSIDE_TOKEN)",
                file=sys.stderr,
            )
        return 0
    record = _record(library, args.article, viewer)
    if args.action == "show":
        sys.stdout.write(render(library.article(record.id, viewer, args.version), args.format))
        return 0
    if viewer is None:
        raise PermissionError("history is for editors and reviewers: give --token")
    print(_line(record))
    if record.review_note:
        print(f"    note: {one_line(record.review_note)}")
    print("\nversions:")
    for version in library.versions(record.id, viewer):
        print(f"  v{version.n}  {version.created:%Y-%m-%d %H:%M}  by user {version.author}")
    print("\ncomments:")
    for c in library.comments(record.id, viewer):
        where = f" on {c.statement_id}" if c.statement_id else ""
        where = one_line(where)
        print(f"  #{c.id} v{c.version}{where} by user {c.author}: {one_line(c.body)}")
    print("\naudit:")
    for entry in library.audit(viewer, record.id):
        note = f" ({one_line(entry.note)})" if entry.note else ""
        print(f"  {entry.at:%Y-%m-%d %H:%M:%S}  {entry.actor_name:<12} {entry.action}{note}")
    return 0


def _review(library: Library, args: argparse.Namespace) -> int:
    actor = _actor(library, args)
    if actor is None:
        raise PermissionError("review commands need an API token: --token or CURBSIDE_TOKEN")
    record = _record(library, args.article, actor)
    if args.action == "comment":
        comment = library.comment(
            record.id, actor, args.text, record.revision, statement_id=args.statement
        )
        print(f"comment #{comment.id} added to {record.slug}")
        return 0
    updated = library.transition(
        record.id, REVIEW_ACTIONS[args.action].to, actor, record.revision, note=args.note
    )
    print(f"{updated.slug}: {record.status} -> {updated.status}")
    return 0


def _users(library: Library, args: argparse.Namespace) -> int:
    operator = system_user(library)
    if args.action == "add":
        password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
        user = library.add_user(args.name, args.role, password, actor=operator)
        print(f"added {user.name} ({user.role})")
        return 0
    if args.action == "tokens":
        names = {u.id: u.name for u in library.users(operator)}
        for t in library.tokens(operator):
            if args.name and names.get(t.user_id) != args.name:
                continue
            state = "revoked" if t.revoked else f"expires {t.expires:%Y-%m-%d %H:%M}" if (
                t.expires) else "no expiry"  # fmt: skip
            label = one_line(t.label) or "-"
            print(f"{t.id:>5}  {names.get(t.user_id, '?'):<16} {state:<28} {label}")
        return 0
    if args.action == "revoke":
        library.revoke_token(operator, args.id)
        print(f"revoked token {args.id}")
        return 0
    if args.days < 1:
        raise ValueError("--days must be at least 1")
    lifetime = timedelta(days=args.days)
    owner = library.user(args.name)
    token = library.create_token(operator, user=owner, label=args.label, lifetime=lifetime)
    print(json.dumps({"user": args.name, "token": token.secret, "id": token.id}))
    return 0
