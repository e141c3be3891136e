"""The CallbackContext every handler receives, with typed access to the services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.i18n import Catalogs, Translator, resolve_locale
from bot.metrics import Metrics
from bot.profile import Profile
from bot.services.broadcasts import BroadcastService
from bot.services.callbacks import CallBackService
from bot.services.faq.answers import FaqAnswers
from bot.services.faq.service import FaqService
from bot.services.feedback import FeedbackService
from bot.services.flood import FloodMeter
from bot.services.followups import FollowUpService
from bot.services.interviews import InterviewService
from bot.services.lookup import LookupService
from bot.services.mutes import MuteService
from bot.services.notices import Wakeup
from bot.services.privacy import PrivacyService
from bot.services.relay import RelayService
from bot.services.reports import ReportService
from bot.services.requests import RequestService
from bot.services.staff import StaffService
from bot.services.volunteers import VolunteerService
from storage.sql import Database

SERVICES_KEY = "services"
LOCALE_KEY = "locale"


@dataclass
class Services:
    """What the handlers depend on; built once in bot.app."""

    settings: Settings
    profile: Profile
    db: Database
    requests: RequestService
    staff: StaffService
    relay: RelayService
    lookup: LookupService
    feedback: FeedbackService
    followups: FollowUpService
    broadcasts: BroadcastService
    reports: ReportService
    faq: FaqService
    answers: FaqAnswers
    privacy: PrivacyService
    mutes: MuteService
    volunteers: VolunteerService
    callbacks: CallBackService
    interviews: InterviewService
    flood: FloodMeter
    catalogs: Catalogs
    wakeup: Wakeup
    metrics: Metrics

    @property
    def staff_chat_id(self) -> int | None:
        return self.settings.staff_chat_id

    def staff_translator(self) -> Translator:
        """The staff group's language."""
        return self.catalogs.get(self.settings.staff_locale or self.settings.default_locale)


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with the services and the user's translator."""

    @property
    def services(self) -> Services:
        return cast(Services, self.bot_data[SERVICES_KEY])

    async def translator(self, update: Update) -> Translator:
        """Return the translator of the user behind the update (enrolling them if new)."""
        return self.services.catalogs.get(await self.locale(update))

    async def locale(self, update: Update) -> str:
        """Return the stored locale of the update's user (cached in user_data)."""
        # user_data is an in-memory cache only; the database is the truth.
        cached = self.user_data.get(LOCALE_KEY) if self.user_data is not None else None
        if isinstance(cached, str):
            return cached
        services = self.services
        user = update.effective_user
        default = services.settings.default_locale
        if user is None:
            return default
        chat = update.effective_chat
        locale = resolve_locale(user.language_code, default)
        if chat is not None and chat.type == chat.PRIVATE:
            beneficiary, _ = await services.requests.enrol(
                user.id, chat.id, user.first_name or "", locale
            )
            locale = beneficiary.locale
        if self.user_data is not None:
            self.user_data[LOCALE_KEY] = locale
        return locale

    def remember_locale(self, locale: str) -> None:
        if self.user_data is not None:
            self.user_data[LOCALE_KEY] = locale


AppType = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any]
