"""The container's health check: GET /healthz of the running bot, exit 0 only on a 200.

The port is TAWASUL_METRICS_PORT (the image sets 9090), else the webhook server's in
webhook mode. Standard library only: it runs every 30 s.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def health_url(env: dict[str, str]) -> str | None:
    port = env.get("TAWASUL_METRICS_PORT")
    if not port and env.get("TAWASUL_MODE") == "webhook":
        port = env.get("TAWASUL_WEBHOOK_PORT", "8443")
    return f"http://127.0.0.1:{port}/healthz" if port else None


def main() -> int:
    url = health_url(dict(os.environ))
    if url is None:
        print("no health port: set TAWASUL_METRICS_PORT", file=sys.stderr)
        return 1
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as err:  # 503: not ready, and why
        print(f"{url}: {err.code} {err.read(500).decode(errors='replace')}", file=sys.stderr)
    except (OSError, urllib.error.URLError) as err:
        print(f"{url}: {err}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
