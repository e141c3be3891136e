"""The benchmark: the form bot against a bare PTB echo bot, both driven through the emulator.

Run it with ``python -m bench`` (``make bench``); see ``python -m bench --help``.
"""
