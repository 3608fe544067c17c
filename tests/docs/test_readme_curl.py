"""The README's curl session works against a running sandbox, as written."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
SANDBOX_OPTIONS = {"orders": 50, "seed": 7}


def readme_curl_session() -> str:
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(), flags=re.S)
    (session,) = [b for b in blocks if "oauth/token" in b]
    return session


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readme_curl_session_answers_as_documented(sandbox):
    port = sandbox.base_url.rsplit(":", 1)[1].split("/")[0]
    session = readme_curl_session().replace("8765", port)
    # Run the session, then show what each step gave, one marker per answer.
    script = session.replace("\ncurl ", "\necho '=====';curl ")
    result = subprocess.run(
        [shutil.which("bash") or "/bin/bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    listing, order, lines = result.stdout.split("=====")[1:]
    head, _, body = listing.strip().replace("\r\n", "\n").partition("\n\n")
    assert head.startswith("HTTP/1.1 200")
    assert 'rel="next"' in head
    assert "x-trace-id" in head.lower()
    assert len(json.loads(body)) == 2
    assert json.loads(order)["id"] == 100001
    assert all("tax" in line and "account" in line for line in json.loads(lines))
    assert sandbox.count("token") == 1
