"""The editorial workflow: which status may follow which, who may move it, and who may write.

Transitions (from -> to: roles allowed)::

    draft             -> submitted          editor, admin      (the author sends it for review)
    changes_requested -> submitted          editor, admin      (resubmitted after changes)
    submitted         -> under_review       reviewer, admin    (a reviewer takes it)
    under_review      -> approved           reviewer, admin    (never the author: see below)
    under_review      -> changes_requested  reviewer, admin
    approved          -> retracted          reviewer, admin    (withdrawn from readers)
    draft, submitted,
    under_review,
    changes_requested -> retracted          admin              (withdrawn before publication)
    retracted         -> draft              admin              (reopened; goes through review again)

Everything else is refused (`InvalidTransition`), including staying in the same status. Approving
needs a reviewer other than the author: neither the user who published the current version nor
the user who last submitted it may approve it.

New content does not wait for a person: when a new version is stored, an approved article goes
back to `submitted` with the note "content changed since approval", and one under review goes
back to `submitted` with "content changed during review"; other statuses are kept.

Other writes: publishing content needs an editor or admin; commenting an editor, reviewer or
admin; managing users an admin. Readers make no transition at all: they are refused before the
article is looked at, so that they learn nothing about unpublished ones. Readers (and anonymous
callers) see approved articles only, and no history (versions, comments, audit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from curbside.library.errors import InvalidTransition, PermissionDenied
from curbside.library.model import Role
from curbside.models import ReviewStatus

Action = Literal["publish", "transition", "comment", "manage-users", "read-unpublished"]

EDITORS: frozenset[Role] = frozenset({"editor", "admin"})
REVIEWERS: frozenset[Role] = frozenset({"reviewer", "admin"})
ADMINS: frozenset[Role] = frozenset({"admin"})

TRANSITIONS: dict[tuple[ReviewStatus, ReviewStatus], frozenset[Role]] = {
    ("draft", "submitted"): EDITORS,
    ("changes_requested", "submitted"): EDITORS,
    ("submitted", "under_review"): REVIEWERS,
    ("under_review", "approved"): REVIEWERS,
    ("under_review", "changes_requested"): REVIEWERS,
    ("approved", "retracted"): REVIEWERS,
    ("draft", "retracted"): ADMINS,
    ("submitted", "retracted"): ADMINS,
    ("under_review", "retracted"): ADMINS,
    ("changes_requested", "retracted"): ADMINS,
    ("retracted", "draft"): ADMINS,
}

ACTIONS: dict[Action, frozenset[Role]] = {
    "publish": EDITORS,
    "transition": frozenset().union(*TRANSITIONS.values()),  # readers move nothing
    "comment": frozenset({"editor", "reviewer", "admin"}),
    "manage-users": ADMINS,
    "read-unpublished": frozenset({"editor", "reviewer", "admin"}),
}

# The review actions every shell offers (CLI `curbside review ACTION`, the API's `action`, the
# review page's buttons): name -> the status it moves the article to, its button label and what
# is said once it is done. Who may press which is the TRANSITIONS table's business.
ActionName = Literal["submit", "start", "approve", "request-changes", "retract", "reopen"]


@dataclass(frozen=True)
class ReviewAction:
    """One step of the workflow as the shells offer it."""

    name: ActionName
    to: ReviewStatus
    label: str
    done: str


REVIEW_ACTIONS: dict[str, ReviewAction] = {
    a.name: a
    for a in (
        ReviewAction("submit", "submitted", "Submit for review", "Submitted for review."),
        ReviewAction("start", "under_review", "Start review", "Review started."),
        ReviewAction(
            "approve", "approved", "Approve", "Approved: readers can now see this article."
        ),
        ReviewAction(
            "request-changes", "changes_requested", "Request changes", "Changes requested."
        ),
        ReviewAction(
            "retract", "retracted", "Retract", "Retracted: readers no longer see this article."
        ),
        ReviewAction(
            "reopen",
            "draft",
            "Reopen as a draft",
            "Reopened as a draft: it goes through review again.",
        ),
    )
}
assert set(REVIEW_ACTIONS) == set(get_args(ActionName))
assert {(a.to) for a in REVIEW_ACTIONS.values()} == {to for (_, to) in TRANSITIONS}

PUBLISHED: ReviewStatus = "approved"
CHANGED_SINCE_APPROVAL = "content changed since approval"
CHANGED_DURING_REVIEW = "content changed during review"


def _roles(roles: frozenset[Role]) -> str:
    return " or ".join(sorted(roles))


def allowed(role: Role, action: Action) -> bool:
    """Whether a user of this role may do this."""
    return role in ACTIONS[action]


def require(name: str, role: Role, action: Action) -> None:
    """PermissionDenied unless this role may do this."""
    if not allowed(role, action):
        raise PermissionDenied(
            f"{name} has the role {role}: {action} needs a user who is {_roles(ACTIONS[action])}"
        )


def check_transition(current: ReviewStatus, to: ReviewStatus, name: str, role: Role) -> None:
    """InvalidTransition when the table has no such move, PermissionDenied when this role may
    not make it."""
    roles = TRANSITIONS.get((current, to))
    if roles is None:
        targets = sorted(t for (f, t) in TRANSITIONS if f == current)
        raise InvalidTransition(
            f"an article cannot go from {current} to {to}; from {current} it can go to: "
            f"{', '.join(targets) or 'nothing'}"
        )
    if role not in roles:
        raise PermissionDenied(
            f"{name} has the role {role}: moving an article from {current} to {to} needs a user "
            f"who is {_roles(roles)}"
        )


def after_new_version(status: ReviewStatus) -> tuple[ReviewStatus, str | None]:
    """The status an article takes when its content changes, with the note to show."""
    if status == "approved":
        return "submitted", CHANGED_SINCE_APPROVAL
    if status == "under_review":
        return "submitted", CHANGED_DURING_REVIEW
    return status, None
