"""Telegram handlers, by whom they serve.

- ``handlers/beneficiary/``: a private chat with the bot (the form itself is in
  ``conversations/``); registered in ``handlers/beneficiary/routes.py``.
- ``handlers/staff/``: the staff group (cards, buttons, commands, relayed replies) and the
  invitation link; registered in ``handlers/staff/routes.py``.
- Modules here are shared by both sides: the callback codec (``buttons``), replying and
  the menu (``common``), long HTML (``long_text``), labels and the texts of hours,
  call-backs and interviews, the error handler and the gate for other groups.

Outgoing messages are not handlers: the outbox's dispatcher and what each kind of row
sends are in ``bot/delivery/``. ``tests/unit/test_architecture.py`` keeps the sides apart.
"""
