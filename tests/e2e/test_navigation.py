"""Back, change an answer from review, /start mid-form, /cancel, and stale buttons."""

from __future__ import annotations

from bot.context import AppType
from emulator import BotApiEmulator
from tests.e2e.driver import ENGLISH_ANSWERS, Person, answer_all, open_form


async def _english_form(emu: BotApiEmulator, user_id: int) -> tuple[Person, object]:
    person = Person(emu.user(user_id, first_name="Sam", language_code="en"))
    first = await open_form(person, new_label="New support request", agree_label="I agree")
    return person, first


async def test_back_returns_to_the_previous_question_with_answers_kept(
    emu: BotApiEmulator, bot: AppType
) -> None:
    person, _ = await _english_form(emu, 4001)
    await person.say(ENGLISH_ANSWERS["full_name"])
    third = await person.say(ENGLISH_ANSWERS["national_id"])
    assert "Question 3 of 9" in third.text
    second = await person.press(third, "Back")
    assert "Question 2 of 9" in second.text
    third = await person.say(ENGLISH_ANSWERS["national_id"])
    assert "Question 3 of 9" in third.text


async def test_any_answer_can_be_changed_from_the_review_screen(
    emu: BotApiEmulator, bot: AppType
) -> None:
    person, first = await _english_form(emu, 4002)
    review = await answer_all(person, first, ENGLISH_ANSWERS, skip_label="Skip")
    question = await person.press(review, "Mobile number")
    assert "Question 3 of 9" in question.text
    assert "Current answer" in question.text and "+966551234567" in question.text
    review = await person.say("0501112233")
    assert "Please review your answers" in review.text
    assert "+966501112233" in review.text and "+966551234567" not in review.text
    # Changing a choice shows the options again; "Back to review" leaves it as it was.
    question = await person.press(review, "Type of support")
    review = await person.press(question, "Food basket")
    assert "Food basket" in review.text
    question = await person.press(review, "Family members")
    review = await person.press(question, "Back to review")
    assert "Please review your answers" in review.text


async def test_start_in_the_middle_offers_to_continue_or_start_over(
    emu: BotApiEmulator, bot: AppType
) -> None:
    person, _ = await _english_form(emu, 4003)
    await person.say(ENGLISH_ANSWERS["full_name"])
    await person.say(ENGLISH_ANSWERS["national_id"])
    prompt = await person.command("/start")
    assert "not finished" in prompt.text
    resumed = await person.press(prompt, "Continue")
    assert "Question 3 of 9" in resumed.text
    prompt = await person.command("/start")
    restarted = await person.press(prompt, "Start over")
    assert "Question 1 of 9" in restarted.text
    # /new also finds the unfinished draft instead of opening a second one.
    prompt = await person.command("/new")
    assert "not finished" in prompt.text


async def test_cancel_keeps_or_discards_the_draft(emu: BotApiEmulator, bot: AppType) -> None:
    person, _ = await _english_form(emu, 4004)
    await person.say(ENGLISH_ANSWERS["full_name"])
    prompt = await person.command("/cancel")
    kept = await person.press(prompt, "Keep them for later")
    assert "saved" in kept.text
    # Outside the form, text is not taken as an answer; the kept draft is pointed to.
    menu = await person.say("hello")
    assert "unfinished request" in menu.text and "/start" in menu.text
    prompt = await person.command("/start")
    resumed = await person.press(prompt, "Continue")
    assert "Question 2 of 9" in resumed.text
    prompt = await person.command("/cancel")
    gone = await person.press(prompt, "Discard my answers")
    assert "cancelled" in gone.text
    mine = await person.command("/myrequests")
    assert "unfinished" not in mine.text
    nothing = await person.command("/cancel")
    assert "nothing to cancel" in nothing.text


async def test_stale_buttons_expire_and_show_the_current_question(
    emu: BotApiEmulator, bot: AppType
) -> None:
    person, _ = await _english_form(emu, 4005)
    second = await person.say(ENGLISH_ANSWERS["full_name"])
    third = await person.say(ENGLISH_ANSWERS["national_id"])
    # The "Back" button of question 2 is from an older screen now.
    query = await person.sim.press_button(second, "Back")
    answer = await person.sim.wait_for_callback_answer(query)
    assert answer.get("text") == "This button has expired." and answer.get("show_alert")
    again = await person.next()
    assert "Question 3 of 9" in again.text
    # Buttons from a discarded draft expire too, and the new draft is untouched.
    prompt = await person.command("/start")
    restarted = await person.press(prompt, "Start over")
    query = await person.sim.press_button(third, "Back")
    answer = await person.sim.wait_for_callback_answer(query)
    assert "expired" in str(answer.get("text"))
    shown = await person.next()
    assert "Question 1 of 9" in shown.text
    assert "Question 1 of 9" in restarted.text
    # Made-up callback data is refused the same way.
    query = await person.sim.press(restarted, "form:choose:999:1:medical_devices")
    answer = await person.sim.wait_for_callback_answer(query)
    assert "expired" in str(answer.get("text"))


async def test_typing_on_the_review_screen_points_to_the_buttons(
    emu: BotApiEmulator, bot: AppType
) -> None:
    person, first = await _english_form(emu, 4006)
    await answer_all(person, first, ENGLISH_ANSWERS, skip_label="Skip")
    reminder = await person.say("ok send it")
    assert "use the buttons" in reminder.text and "Please review your answers" in reminder.text


async def test_a_press_no_handler_takes_is_still_answered(
    emu: BotApiEmulator, bot: AppType
) -> None:
    person = Person(emu.user(4011, first_name="Nasser", language_code="ar"))
    menu = await person.command("/menu")
    for data in ("menu:nothing", "faq:pick:x", "nonsense", "staff", "x" * 64, ""):
        query = await person.sim.press(menu, data)
        answer = await person.sim.wait_for_callback_answer(query)
        assert answer.get("text") == "انتهت صلاحية هذا الزر."
