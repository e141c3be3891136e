"""What the form shows: questions, hints, the review screen, the declaration, errors."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator, ltr
from bot.profile import FieldKind, FormField, Profile
from bot.services.forms import FormEngine
from bot.services.validators import ValidationError
from domain.models import Draft
from handlers.answers import answer_text
from handlers.buttons import Button, FormButton
from handlers.long_text import fit_html

# A kind of form button: (action, draft id, seq, arg). Another form (the volunteers')
# draws the same screens with its own kind, so that its presses reach its own handler.
ButtonKind = Callable[[str, int, int, str | None], Button]


def button(
    text: str,
    draft: Draft,
    action: str,
    arg: str | int | None = None,
    kind: ButtonKind = FormButton,
) -> InlineKeyboardButton:
    """Make a form button carrying the draft and its version, so old buttons are recognised."""
    extra = None if arg is None else str(arg)
    return InlineKeyboardButton(
        text, callback_data=kind(action, draft.id, draft.seq, extra).encode()
    )


def _examples(tr: Translator) -> dict[str, str]:
    """Typing examples in the user's digits, isolated so that RTL text keeps their order."""
    return {
        "example": ltr(tr.digits("0551234567")),
        "international": ltr("+966551234567"),
        "hijri": ltr(tr.digits("1447/05/20")),
        "gregorian": ltr(tr.digits("2025-11-11")),
    }


def kind_hint(tr: Translator, form_field: FormField) -> str:
    """Say what kind of answer is expected, when the profile gives no hint of its own."""
    _ = tr.gettext
    kind = form_field.kind
    if kind is FieldKind.NATIONAL_ID:
        return _("10 digits: a national ID starts with 1, an iqama number with 2.")
    if kind is FieldKind.MOBILE:
        return _("A Saudi mobile number, for example %(example)s.") % _examples(tr)
    if kind is FieldKind.DATE:
        return _("Hijri like %(hijri)s or Gregorian like %(gregorian)s.") % _examples(tr)
    if kind is FieldKind.NUMBER:
        return _("A number, in Arabic or English digits.")
    if kind is FieldKind.CHOICE:
        return _("Choose one of the buttons.")
    if kind in (FieldKind.PHOTO, FieldKind.DOCUMENT):
        return _("Send it as a photo or a file (up to %(max_mb)s MB).") % {
            "max_mb": tr.number(form_field.max_size_mb)
        }
    return ""


def question(
    tr: Translator,
    profile: Profile,
    form: FormEngine,
    draft: Draft,
    error: str | None = None,
    kind: ButtonKind = FormButton,
) -> tuple[str, InlineKeyboardMarkup]:
    """Render the current question, with the error of the last answer above it."""
    _ = tr.gettext
    assert draft.field_key is not None
    form_field = form.field(draft.field_key)
    heading = _("Question %(number)s of %(total)s") % {
        "number": tr.number(form.position(form_field.key)),
        "total": tr.number(len(form.fields)),
    }
    lines = []
    if error:
        lines += ["⚠️ " + error, ""]
    lines += [f"<b>{heading}</b>", html.escape(form_field.question.get(tr.locale))]
    hint = form_field.hint.get(tr.locale) if form_field.hint else kind_hint(tr, form_field)
    if hint:
        lines.append(f"<i>{html.escape(hint)}</i>")
    current = draft.answers.get(form_field.key)
    if current is not None and draft.editing:
        lines += [
            "",
            _("Current answer: %(answer)s")
            % {"answer": answer_text(tr, profile, form_field, current)},
        ]
    rows: list[list[InlineKeyboardButton]] = []
    if form_field.kind is FieldKind.CHOICE:
        for option in profile.options_for(form_field):
            rows.append(
                [button(option.label.get(tr.locale), draft, "choose", option.key, kind=kind)]
            )
    if not form_field.required:
        rows.append([button("⏭ " + _("Skip"), draft, "skip", kind=kind)])
    nav = []
    if draft.editing:
        nav.append(button("↩️ " + _("Back to review"), draft, "review", kind=kind))
    elif form.previous_key(form_field.key) is not None:
        nav.append(button("⬅️ " + _("Back"), draft, "back", kind=kind))
    nav.append(button("✖️ " + _("Cancel"), draft, "cancel", kind=kind))
    rows.append(nav)
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def review(
    tr: Translator, profile: Profile, form: FormEngine, draft: Draft, kind: ButtonKind = FormButton
) -> tuple[str, InlineKeyboardMarkup]:
    """Render every answer with a button to change each one."""
    _ = tr.gettext
    lines = ["<b>" + _("Please review your answers") + "</b>", ""]
    for form_field in form.fields:
        value = draft.answers.get(form_field.key)
        label = html.escape(form_field.label.get(tr.locale))
        lines.append(f"• <b>{label}:</b> {answer_text(tr, profile, form_field, value)}")
    tail = _("Press an answer below to change it, or confirm to continue.")
    # A long form with long answers stays one valid message: whole lines, the last kept.
    text = fit_html(lines, tail=tail)
    edit_buttons = [
        button("✏️ " + f.label.get(tr.locale), draft, "edit", i, kind=kind)
        for i, f in enumerate(form.fields)
    ]
    rows = [edit_buttons[i : i + 2] for i in range(0, len(edit_buttons), 2)]
    rows.append([button("✅ " + _("Confirm and continue"), draft, "confirm", kind=kind)])
    rows.append(
        [
            button("⬅️ " + _("Back"), draft, "back", kind=kind),
            button("✖️ " + _("Cancel"), draft, "cancel", kind=kind),
        ]
    )
    return text, InlineKeyboardMarkup(rows)


def declaration(tr: Translator, profile: Profile, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    """Render the association's declaration and the button that signs it."""
    _ = tr.gettext
    text = "\n".join(
        [
            "<b>" + _("Declaration") + "</b>",
            "",
            html.escape(profile.association.declaration.get(tr.locale)),
            "",
            _(
                "Pressing “I confirm and sign” records your acceptance of this declaration with the date and time, and submits your request."
            ),
        ]
    )
    markup = InlineKeyboardMarkup(
        [
            [button("✍️ " + _("I confirm and sign"), draft, "sign", tr.locale)],
            [button("↩️ " + _("Back to review"), draft, "review")],
        ]
    )
    return text, markup


def resume_prompt(tr: Translator, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    _ = tr.gettext
    text = _(
        "You have a support request that you have not finished. Would you like to continue it or start over?"
    )
    markup = InlineKeyboardMarkup(
        [
            [button("▶️ " + _("Continue"), draft, "resume")],
            [button("🔄 " + _("Start over"), draft, "restart")],
        ]
    )
    return text, markup


def cancel_prompt(tr: Translator, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    _ = tr.gettext
    text = _(
        "Do you want to discard this request? You can also keep your answers and continue later."
    )
    markup = InlineKeyboardMarkup(
        [
            [button("🗑 " + _("Discard my answers"), draft, "discard")],
            [button("💾 " + _("Keep them for later"), draft, "keep")],
            [button("▶️ " + _("Continue the form"), draft, "resume")],
        ]
    )
    return text, markup


def error_text(tr: Translator, form_field: FormField, err: ValidationError) -> str:
    """Explain, politely and in the user's language, what was wrong with the answer."""
    _ = tr.gettext
    p = err.params
    code = err.code
    if code == "text.empty":
        return _("Your answer is empty. Please write it.")
    if code == "text.too_short":
        n = int(p["min"])
        return tr.ngettext(
            "That is too short: please write at least %(count)s character.",
            "That is too short: please write at least %(count)s characters.",
            n,
        ) % {"count": tr.number(n)}
    if code == "text.too_long":
        n = int(p["max"])
        return tr.ngettext(
            "That is too long: please write at most %(count)s character.",
            "That is too long: please write at most %(count)s characters.",
            n,
        ) % {"count": tr.number(n)}
    if code == "text.not_letters":
        return _("Please write the name in letters only, without digits, symbols or emoji.")
    if code == "number.invalid":
        return _("Please send a whole number, for example %(example)s.") % {"example": tr.number(4)}
    if code == "number.too_small":
        return _("The number must be at least %(min)s.") % {"min": tr.number(int(p["min"]))}
    if code == "number.too_large":
        return _("The number must be at most %(max)s.") % {"max": tr.number(int(p["max"]))}
    if code == "national_id.not_digits":
        return _("The ID number must contain digits only.")
    if code == "national_id.length":
        return _("The ID number must be exactly 10 digits.")
    if code == "national_id.prefix":
        return _("A national ID starts with 1 and an iqama number starts with 2.")
    if code == "national_id.checksum":
        return _("This ID number is not valid. Please check the digits and send it again.")
    if code == "mobile.invalid":
        return _(
            "Please send a Saudi mobile number, for example %(example)s or %(international)s."
        ) % _examples(tr)
    if code == "date.invalid":
        return _(
            "I could not read that date. Send it like %(hijri)s (Hijri) or %(gregorian)s (Gregorian)."
        ) % _examples(tr)
    if code == "date.impossible":
        return _("That date does not exist. Please check the day and the month.")
    if code == "date.too_early":
        return _("The date cannot be before %(date)s.") % {
            "date": tr.both_dates(date.fromisoformat(str(p["min"])))
        }
    if code == "date.too_late":
        return _("The date cannot be after %(date)s.") % {
            "date": tr.both_dates(date.fromisoformat(str(p["max"])))
        }
    if code == "answer.need_file":
        return _("Please send a photo or a file for this question.")
    if code == "answer.need_choice":
        return _("Please choose one of the buttons below.")
    if code == "file.type":
        return _("This type of file is not accepted. Please send one of: %(types)s.") % {
            "types": html.escape(str(p["accepted"]))
        }
    if code == "file.too_large":
        return _("The file is too large. Files of up to %(max_mb)s MB are accepted.") % {
            "max_mb": tr.number(int(p["max_mb"]))
        }
    # answer.need_text and anything new: ask for a written answer.
    return _("I need a written answer to this question.")
