"""The deployment files: the container's health check, and the pieces that must agree."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import pytest
import yaml
from aiohttp import web

from tests.support import free_port

ROOT = Path(__file__).resolve().parents[2]
HEALTHCHECK = ROOT / "deploy" / "healthcheck.py"


async def _check(port: int, **env: str) -> int:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(HEALTHCHECK),
        env={"PATH": os.environ.get("PATH", ""), "TAWASUL_METRICS_PORT": str(port), **env},
        stderr=asyncio.subprocess.DEVNULL,
    )
    return await proc.wait()


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False)])
async def test_the_health_check_passes_only_on_a_200(status: int, healthy: bool) -> None:
    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"ready": healthy}, status=status)

    server = web.Application()
    server.router.add_get("/healthz", healthz)
    runner = web.AppRunner(server)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        assert await _check(port) == (0 if healthy else 1)
    finally:
        await runner.cleanup()


async def test_the_health_check_fails_when_nothing_answers() -> None:
    assert await _check(free_port()) == 1


def test_the_health_check_finds_the_webhook_port_without_a_side_port() -> None:
    sys.path.insert(0, str(HEALTHCHECK.parent))
    try:
        from healthcheck import health_url  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(HEALTHCHECK.parent))
    assert health_url({"TAWASUL_METRICS_PORT": "9090"}) == "http://127.0.0.1:9090/healthz"
    webhook = {"TAWASUL_MODE": "webhook", "TAWASUL_WEBHOOK_PORT": "8443"}
    assert health_url(webhook) == "http://127.0.0.1:8443/healthz"
    assert health_url({}) is None


def test_the_proxy_forwards_the_path_the_bot_listens_on() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    bot = compose["services"]["bot"]
    url = bot["environment"]["TAWASUL_WEBHOOK_URL"]
    path = re.sub(r"^https://\$\{[^}]*\}", "", url)
    port = bot["environment"]["TAWASUL_WEBHOOK_PORT"]
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert f"handle {path} {{\n\t\treverse_proxy bot:{port}" in caddyfile
    assert "tawasul-data:/data" in bot["volumes"]


def test_the_image_copies_what_exists_and_runs_as_its_own_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (\S+) ", dockerfile, re.MULTILINE):
        assert (ROOT / source).exists(), source
    assert re.search(r"^USER tawasul$", dockerfile, re.MULTILINE)
    assert "HEALTHCHECK" in dockerfile and "deploy/healthcheck.py" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert "!deploy/healthcheck.py" in ignored and "**/.env" in ignored
