"""A beneficiary as a test plays them: send, press, and read the bot's next message."""

from __future__ import annotations

from emulator import BotMessage, SimUser
from tests.support import valid_national_id

NATIONAL_ID = valid_national_id()


class Person:
    """Wrap an emulated user with one-line steps that return the bot's reply."""

    def __init__(self, sim: SimUser) -> None:
        self.sim = sim

    async def say(self, text: str) -> BotMessage:
        await self.sim.send_text(text)
        return await self.sim.wait_for_message()

    async def command(self, command: str) -> BotMessage:
        await self.sim.send_command(command)
        return await self.sim.wait_for_message()

    async def press(self, message: BotMessage, label: str) -> BotMessage:
        await self.sim.press_button(message, label)
        return await self.sim.wait_for_message()

    async def next(self) -> BotMessage:
        return await self.sim.wait_for_message()


# What a beneficiary types for each question of the sample form, in Arabic.
ARABIC_ANSWERS = {
    "full_name": "سارة محمد العتيبي",
    "national_id": NATIONAL_ID.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
    "mobile": "٠٥٥١٢٣٤٥٦٧",
    "birth_date": "1410/05/20",
    "family_size": "٥",
    "service_type": "أجهزة طبية",  # a button
    "description": "أحتاج جهاز قياس سكر لوالدتي المسنة",
}
ENGLISH_ANSWERS = {
    "full_name": "Sarah Mohammed Alotaibi",
    "national_id": NATIONAL_ID,
    "mobile": "+966 55 123 4567",
    "birth_date": "1990-01-15",
    "family_size": "5",
    "service_type": "Medical devices",
    "description": "I need a glucose meter for my elderly mother",
}


async def open_form(person: Person, *, new_label: str, agree_label: str) -> BotMessage:
    """Go from /start to the first question, accepting the privacy notice."""
    welcome = await person.command("/start")
    consent = await person.press(welcome, new_label)
    return await person.press(consent, agree_label)  # the intro and question 1


async def answer_all(
    person: Person, first_question: BotMessage, answers: dict[str, str], skip_label: str
) -> BotMessage:
    """Answer every question of the sample form; return the review screen."""
    message = first_question
    for key, value in answers.items():
        if key == "service_type":
            message = await person.press(message, value)
        else:
            message = await person.say(value)
    # The ID copy: a photo; then the optional medical report is skipped.
    await person.sim.send_photo(size=120_000)
    message = await person.next()
    return await person.press(message, skip_label)
