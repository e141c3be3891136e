"""Muting a beneficiary: staff stop receiving their messages for a while, and say why.

A mute stops only what the beneficiary sends to staff (relayed messages, new
conversations). The guides still answer their questions, their requests go on, notices
about them still come, and staff may still write to them. They are told once when muted
and reminded at most once a day after that; lifting the mute tells them too. Every mute
and every lifting is in the audit log ("muted" / "unmuted", with the mute's id).
"""

from __future__ import annotations

from datetime import timedelta

from bot.services import notices
from bot.services.notices import Wakeup
from bot.services.requests import Clock
from domain.models import StaffThread
from storage.mutes import Mute, Mutes
from storage.sql import Database
from storage.staff import Conversations

REMIND_EVERY = timedelta(days=1)
MUTED, UNMUTED = "muted", "unmuted"  # the audit log's actions and the notices' names


class MuteService:
    def __init__(self, db: Database, *, staff_chat_id: int | None, clock: Clock, wakeup: Wakeup):
        self.db = db
        self.staff_chat_id = staff_chat_id
        self.clock = clock
        self.wakeup = wakeup

    async def active(self, user_id: int) -> Mute | None:
        async with self.db.reading() as conn:
            return await Mutes(conn).active(user_id)

    async def mute(self, thread: StaffThread, reason: str, actor_id: int) -> tuple[Mute, bool]:
        """Mute the thread's beneficiary; return the mute that holds and whether it is new
        (False: they were muted already, and nothing changes)."""
        now = self.clock()
        async with self.db.transaction() as conn:
            mutes = Mutes(conn)
            mute_id = await mutes.add(thread.user_id, reason, actor_id, now)
            if mute_id is not None:
                # A conversation open now ends without a word: the mute's notice says it all.
                conversations = Conversations(conn)
                current = await conversations.open_for_user(thread.user_id)
                if current is not None:
                    await conversations.close(current.id, "staff", now)
                await mutes.audit(
                    actor_id,
                    self.staff_chat_id,
                    MUTED,
                    f"mute {mute_id}: {reason}",
                    now,
                    thread.request_id,
                )
                await notices.to_beneficiary(
                    conn, thread.user_id, MUTED, now, dedupe_key=f"muted:{mute_id}"
                )
            mute = await mutes.active(thread.user_id)
        assert mute is not None
        self.wakeup()
        return mute, mute_id is not None

    async def unmute(self, thread: StaffThread, actor_id: int) -> Mute | None:
        """Lift the beneficiary's mute; return it (None: they were not muted)."""
        now = self.clock()
        async with self.db.transaction() as conn:
            mutes = Mutes(conn)
            mute = await mutes.active(thread.user_id)
            if mute is None or not await mutes.lift(mute.id, actor_id, now):
                return None
            await mutes.audit(
                actor_id,
                self.staff_chat_id,
                UNMUTED,
                f"mute {mute.id}",
                now,
                thread.request_id,
            )
            await notices.to_beneficiary(
                conn, thread.user_id, UNMUTED, now, dedupe_key=f"unmuted:{mute.id}"
            )
        self.wakeup()
        return mute

    async def remind(self, user_id: int) -> bool:
        """Whether a muted beneficiary is due the day's reminder (it is noted as given)."""
        now = self.clock()
        async with self.db.transaction() as conn:
            return await Mutes(conn).remind(user_id, now, now - REMIND_EVERY)
