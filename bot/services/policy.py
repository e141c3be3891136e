"""Who may do what to a request, and from which status: the policy as tables."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.profile import Role, StaffMember
from domain.models import RequestStatus

S = RequestStatus


class Action(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    REQUEST_INFO = "info"
    REFER = "refer"
    DELIVER = "deliver"
    CLOSE = "close"


@dataclass(frozen=True)
class Rule:
    from_statuses: frozenset[RequestStatus]
    to_status: RequestStatus
    roles: frozenset[Role]


# The support policy's steps: relations officers check the data, ask for what is missing
# and refer to a social researcher; only the research committee accepts or rejects;
# relations officers complete the file and deliver the service; admins may also refer,
# deliver and close (e.g. a duplicate). Researchers ask for information during the study.
RULES: dict[Action, Rule] = {
    Action.ACCEPT: Rule(
        frozenset({S.SUBMITTED, S.UNDER_REVIEW}), S.ACCEPTED, frozenset({Role.COMMITTEE_MEMBER})
    ),
    Action.REJECT: Rule(
        frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.NEEDS_INFO}),
        S.REJECTED,
        frozenset({Role.COMMITTEE_MEMBER}),
    ),
    Action.REQUEST_INFO: Rule(
        frozenset({S.SUBMITTED, S.UNDER_REVIEW}),
        S.NEEDS_INFO,
        frozenset({Role.RELATIONS_OFFICER, Role.SOCIAL_RESEARCHER, Role.COMMITTEE_MEMBER}),
    ),
    Action.REFER: Rule(
        frozenset({S.SUBMITTED, S.UNDER_REVIEW}),
        S.UNDER_REVIEW,
        frozenset({Role.RELATIONS_OFFICER, Role.ADMIN}),
    ),
    Action.DELIVER: Rule(
        frozenset({S.ACCEPTED}), S.DELIVERED, frozenset({Role.RELATIONS_OFFICER, Role.ADMIN})
    ),
    Action.CLOSE: Rule(
        frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.NEEDS_INFO, S.ACCEPTED, S.REJECTED, S.DELIVERED}),
        S.CLOSED,
        frozenset({Role.RELATIONS_OFFICER, Role.ADMIN}),
    ),
}


class Duty(StrEnum):
    """What staff do outside a request's life: each is given to roles, like the rules."""

    EXPORT = "export"
    BROADCAST = "broadcast"
    APPROVE_ANSWERS = "approve_answers"
    CORRECT_DATA = "correct_data"
    ERASE_DATA = "erase_data"
    MUTE_SENDERS = "mute_senders"
    MANAGE_STAFF = "manage_staff"


# Exports hold every beneficiary's answers, a broadcast reaches everyone, an approved FAQ
# answer speaks for the association to everyone who asks, an erasure cannot be undone, and
# who is on the staff decides who sees everything: admins only. A beneficiary's correction
# of their own answers is checked by those who check the data: relations officers (and
# admins).
DUTIES: dict[Duty, frozenset[Role]] = {
    Duty.EXPORT: frozenset({Role.ADMIN}),
    Duty.BROADCAST: frozenset({Role.ADMIN}),
    Duty.APPROVE_ANSWERS: frozenset({Role.ADMIN}),
    Duty.CORRECT_DATA: frozenset({Role.RELATIONS_OFFICER, Role.ADMIN}),
    Duty.ERASE_DATA: frozenset({Role.ADMIN}),
    # Muting cuts a beneficiary's line to the association: those who keep the relationship
    # with beneficiaries decide it (relations officers), and admins.
    Duty.MUTE_SENDERS: frozenset({Role.RELATIONS_OFFICER, Role.ADMIN}),
    Duty.MANAGE_STAFF: frozenset({Role.ADMIN}),
}

# The order of the card's buttons.
CARD_ACTIONS = (
    Action.ACCEPT,
    Action.REJECT,
    Action.REQUEST_INFO,
    Action.REFER,
    Action.DELIVER,
    Action.CLOSE,
)


def may(member: StaffMember | None, action: Action | Duty) -> bool:
    """Return whether this staff member's roles allow the action (None: not staff)."""
    roles = DUTIES[action] if isinstance(action, Duty) else RULES[action].roles
    return member is not None and bool(roles.intersection(member.roles))


def possible(status: RequestStatus) -> tuple[Action, ...]:
    """The actions a request in this status can take, in card order."""
    return tuple(a for a in CARD_ACTIONS if status in RULES[a].from_statuses)


def role_names(member: StaffMember | None) -> str:
    """The roles as written in the audit trail ('outsider' for anyone not on the staff)."""
    return ",".join(member.roles) if member else "outsider"
