"""Settings and the profile: every problem is reported at once, with where it is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, load_profile, parse_profile

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = (ROOT / "bot" / "profiles" / "sample.yaml").read_text(encoding="utf-8")


def test_the_sample_profile_is_valid() -> None:
    profile, _ = load_profile("sample")
    assert profile.association.sla_days == 14
    assert [f.key for f in profile.form.fields][:3] == ["full_name", "national_id", "mobile"]
    assert profile.association.declaration.get("ar").startswith("أقر")


def test_profile_problems_are_all_listed_with_their_lines() -> None:
    broken = (
        SAMPLE.replace("sla_days: 14", "sla_days: 0")
        .replace("kind: mobile", "kind: telephone", 1)  # the request form's, not the volunteers'
        .replace('    en: "Riyadh Region"\n', "")
    )
    with pytest.raises(ConfigError) as caught:
        parse_profile(broken, "assoc.yaml")
    problems = caught.value.problems
    assert len(problems) == 3, problems
    lines = {p.split(":")[1] for p in problems}
    assert all(line.isdigit() for line in lines)
    sla = next(p for p in problems if "sla_days" in p)
    sla_line = int(sla.split(":")[1])
    assert "sla_days: 0" in broken.splitlines()[sla_line - 1]
    assert any("form.fields.2.kind" in p for p in problems)
    assert any("service_area.en" in p for p in problems)


def test_kind_specific_rules_and_duplicates() -> None:
    broken = SAMPLE.replace("key: mobile", "key: national_id").replace(
        'accept: [image/jpeg, image/png, application/pdf]\n      label: {ar: "صورة الهوية"',
        'label: {ar: "صورة الهوية"',
    )
    with pytest.raises(ConfigError) as caught:
        parse_profile(broken, "p.yaml")
    text = "\n".join(caught.value.problems)
    assert "national_id is repeated" in text
    assert "needs 'accept'" in text


def test_invalid_yaml_names_the_line() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_profile("association:\n  name: [unclosed\n", "bad.yaml")
    assert caught.value.problems[0].startswith("bad.yaml:")


def test_settings_problems_name_the_variables() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(
            {
                "TAWASUL_MODE": "webhook",
                "TAWASUL_WEBHOOK_URL": "http://insecure.example",
                "TAWASUL_DEFAULT_LOCALE": "fr",
                "TAWASUL_PROFILE": "/nonexistent/profile.yaml",
            }
        )
    text = "\n".join(caught.value.problems)
    assert "TAWASUL_DEFAULT_LOCALE" in text
    assert "/nonexistent/profile.yaml: cannot read the profile" in text


def test_webhook_needs_https_and_a_secret() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config({"TAWASUL_MODE": "webhook", "TAWASUL_WEBHOOK_URL": "http://x.example/hook"})
    assert "https://" in "\n".join(caught.value.problems)
    with pytest.raises(ConfigError) as caught:
        load_config(
            {
                "TAWASUL_MODE": "webhook",
                "TAWASUL_WEBHOOK_URL": "https://x.example/hook",
                "TAWASUL_WEBHOOK_SECRET": "short",
            }
        )
    assert "at least 16" in "\n".join(caught.value.problems)


def test_the_token_is_a_secret(tmp_path: Path) -> None:
    config = load_config({"TAWASUL_BOT_TOKEN": "123456:ABCDEF-secret-value-xyz"})
    assert "ABCDEF" not in repr(config.settings) and "ABCDEF" not in str(config.settings)


def test_bad_configuration_stops_start_up_with_exit_status_2(tmp_path: Path) -> None:
    profile = tmp_path / "assoc.yaml"
    profile.write_text(SAMPLE.replace("sla_days: 14", "sla_days: -1"), encoding="utf-8")
    env = {
        **os.environ,
        "TAWASUL_PROFILE": str(profile),
        "TAWASUL_MODE": "sometimes",
        "TAWASUL_BOT_TOKEN": "123456:SHOULD-NOT-BE-PRINTED-abcdefghijklmnopqrstuvwxyz",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check-config"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "TAWASUL_MODE" in result.stderr
    assert f"{profile}:" in result.stderr and "sla_days" in result.stderr
    assert "SHOULD-NOT-BE-PRINTED" not in result.stderr + result.stdout


def test_help_lists_the_sub_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    for command in ("run", "demo", "check-config", "migrate"):
        assert command in result.stdout


def test_bad_timezone_urls_and_database_folder_are_reported(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ConfigError) as caught:
            load_config(
                {
                    "TAWASUL_TIMEZONE": "Mars/Olympus",
                    "TAWASUL_API_BASE_URL": "localhost:8081/bot",
                    "TAWASUL_DATABASE": str(locked / "sub" / "t.sqlite3"),
                }
            )
    finally:
        locked.chmod(0o700)
    text = "\n".join(caught.value.problems)
    assert "TAWASUL_TIMEZONE: unknown time zone 'Mars/Olympus'" in text
    assert "TAWASUL_API_BASE_URL: must be an http:// or https:// URL" in text
    if os.geteuid() != 0:  # root may write anywhere
        assert "TAWASUL_DATABASE" in text
