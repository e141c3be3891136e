"""A local Telegram Bot API emulator for end-to-end tests, benchmarks and the demo mode.

async with BotApiEmulator() as emu:
    app = ApplicationBuilder().token("1:T").base_url(emu.base_url)
          .base_file_url(emu.base_file_url).build()
    user = emu.user(1001, first_name="Sara")
    await user.send_command("/start")
    msg = await user.wait_for_message()
"""

from emulator.actors import SimUser
from emulator.faults import FaultRule, Faults, RateLimits
from emulator.groups import SimGroup
from emulator.params import ApiError
from emulator.records import BotMessage, FileRecord, Topic
from emulator.server import BotApiEmulator, RequestRecord
from emulator.users import ChatView, WaitTimeout

__all__ = [
    "ApiError",
    "BotApiEmulator",
    "BotMessage",
    "ChatView",
    "FaultRule",
    "Faults",
    "FileRecord",
    "RateLimits",
    "RequestRecord",
    "SimGroup",
    "SimUser",
    "Topic",
    "WaitTimeout",
]
