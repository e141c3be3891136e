"""A bot under test as a child process pointed at the emulator, and its peak memory."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from emulator import BotApiEmulator

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:BENCH-TOKEN-FOR-THE-EMULATOR-000000000"


class BotProcess:
    """``python -m <module> ...`` with the emulator's URLs in its environment."""

    def __init__(
        self,
        emu: BotApiEmulator,
        argv: Sequence[str],
        workdir: Path,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.emu = emu
        self.argv = [sys.executable, *argv]
        self.env = {
            **os.environ,
            "TAWASUL_BOT_TOKEN": TOKEN,
            "TAWASUL_API_BASE_URL": emu.base_url,
            "TAWASUL_API_BASE_FILE_URL": emu.base_file_url,
            "TAWASUL_LOG_LEVEL": "WARNING",
            "PTB_TIMEDELTA": "true",
            **(extra_env or {}),
        }
        self.stderr_path = workdir / f"{Path(argv[-1]).name.replace('.', '_')}.stderr"
        self._stderr: IO[bytes] | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def start(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Start the process; ready when it has asked the emulator for updates."""
        polls = self._polls()
        self.proc = self._spawn()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._polls() <= polls:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.argv[1:]} exited at start:\n{self.stderr_tail()}")
            if loop.time() > deadline:
                self.stop()
                raise RuntimeError(f"{self.argv[1:]} did not poll within {timeout:.0f} s")
            await asyncio.sleep(0.05)

    def _spawn(self) -> subprocess.Popen[bytes]:
        # stderr goes to a file: a full pipe would block the bot in the middle of a run.
        self._stderr = self.stderr_path.open("wb")
        return subprocess.Popen(
            self.argv, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=self._stderr
        )

    def peak_memory_kib(self) -> int | None:
        """VmHWM (peak resident set size) of the running process, in KiB."""
        return self._status_kib("VmHWM:")

    def _status_kib(self, field: str) -> int | None:
        if self.proc is None:
            return None
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith(field):
                return int(line.split()[1])
        return None

    def stop(self, grace: float = 1.0) -> None:
        """Ask the bot to stop (SIGINT, as Ctrl+C); kill it if it has not within ``grace`` s.

        A graceful stop waits for the pending long poll; the figures are taken by then.
        """
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    async def terminate(self, grace: float = 30.0) -> float:
        """SIGTERM, as a supervisor stops a service; the seconds until the process is gone.

        Unlike stop(), the event loop (and the emulator in it) goes on meanwhile, so the
        bot's last calls are answered as they would be by Telegram.
        """
        assert self.proc is not None
        loop = asyncio.get_running_loop()
        started = loop.time()
        self.proc.send_signal(signal.SIGTERM)
        while self.proc.poll() is None and loop.time() - started < grace:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        took = loop.time() - started
        self.stop(grace=0)  # kills it if it is still there; closes its log
        return took

    def rss_kib(self) -> int | None:
        """VmRSS (resident set size now) of the running process, in KiB."""
        return self._status_kib("VmRSS:")

    def stderr_tail(self, lines: int = 20) -> str:
        try:
            text = self.stderr_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stderr_lines(self) -> int:
        try:
            return len(self.stderr_path.read_text(errors="replace").splitlines())
        except OSError:
            return 0

    def _polls(self) -> int:
        return sum(1 for r in self.emu.requests_log if r.method.lower() == "getupdates")
