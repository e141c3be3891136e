"""Delivery of outgoing messages: the dispatcher that sends what the outbox
(``storage/outbox.py``) holds, in order and within Telegram's limits (``dispatcher``), what
each kind of row sends (``kinds``) and the notices' texts (``notices``)."""
