"""The policy tables: which actions each status offers and which roles may take them."""

from __future__ import annotations

import asyncio
import time

from bot.profile import Role, StaffMember
from bot.ratelimit import SlidingWindow
from bot.services.policy import RULES, Action, may, possible, role_names
from domain.models import RequestStatus as S


def _member(*roles: Role) -> StaffMember:
    return StaffMember(id=1, name="X", roles=roles)


def test_the_card_offers_only_what_the_status_allows() -> None:
    assert possible(S.SUBMITTED) == (
        Action.ACCEPT,
        Action.REJECT,
        Action.REQUEST_INFO,
        Action.REFER,
        Action.CLOSE,
    )
    assert possible(S.NEEDS_INFO) == (Action.REJECT, Action.CLOSE)
    assert possible(S.ACCEPTED) == (Action.DELIVER, Action.CLOSE)
    assert possible(S.DELIVERED) == (Action.CLOSE,)
    assert possible(S.CLOSED) == ()


def test_only_the_committee_decides() -> None:
    for role in Role:
        allowed = may(_member(role), Action.ACCEPT)
        assert allowed is (role is Role.COMMITTEE_MEMBER)
        assert may(_member(role), Action.REJECT) is allowed
    assert not may(None, Action.ACCEPT)
    assert may(_member(Role.SOCIAL_RESEARCHER, Role.COMMITTEE_MEMBER), Action.ACCEPT)


def test_every_rule_leaves_its_own_statuses() -> None:
    for action, rule in RULES.items():
        assert rule.roles, action
        assert S.CLOSED not in rule.from_statuses  # a closed request is final
    assert role_names(None) == "outsider"
    assert role_names(_member(Role.ADMIN, Role.COMMITTEE_MEMBER)) == "admin,committee_member"


async def test_the_window_never_lets_more_than_the_limit_through_in_any_period() -> None:
    window = SlidingWindow(limit=3, period=0.2, margin=0.0)
    stamps: list[float] = []

    async def take() -> None:
        await window.acquire()
        stamps.append(time.monotonic())

    await asyncio.gather(*(take() for _ in range(7)))
    assert len(stamps) == 7
    for i in range(len(stamps) - 3):
        assert stamps[i + 3] - stamps[i] >= 0.2 - 1e-3  # the 4th call waits a whole period
    assert window.waited > 0
