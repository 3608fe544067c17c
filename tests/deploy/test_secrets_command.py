"""`twentyfourseven secrets` (`make secrets`): the .env docker-compose.yml requires.

Random values from ``secrets`` and Fernet, a file only its owner can read, never
printed, and an existing .env is never changed without asking: only missing or
empty variables are filled in, every other line is kept.
"""

from __future__ import annotations

import builtins
import re
import stat
import sys

import pytest
from cryptography.fernet import Fernet

from twentyfourseven.cli import main
from twentyfourseven.commands import secrets as secrets_command

from .test_compose import SECRETS_AND_READERS, env_example


def run(tmp_path, *args: str) -> int:
    return main(["secrets", "--env-file", str(tmp_path / ".env"), *args])


def test_a_fresh_env_file_holds_every_secret_readable_by_its_owner_only(tmp_path, capsys):
    assert run(tmp_path) == 0
    path = tmp_path / ".env"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    values = secrets_command.read_env_file(path)
    assert set(values) >= set(SECRETS_AND_READERS)
    assert all(values[name] for name in SECRETS_AND_READERS)
    Fernet(values["FERNET_KEY"])  # a valid key, not merely a random string
    # Placed in URLs and in the connection's JSON as they are: no character to escape.
    for name in SECRETS_AND_READERS:
        assert re.fullmatch(r"[A-Za-z0-9_\-=:]{16,}", values[name]), name
    user, _, password = values["FLOWER_BASIC_AUTH"].partition(":")
    assert user
    assert len(password) >= 16
    # The connection points at the sandbox service until the operator switches it.
    assert (
        values["TWENTYFOURSEVEN_CLIENT_SECRET"] == values["TWENTYFOURSEVEN_SANDBOX_CLIENT_SECRET"]
    )
    assert values["TWENTYFOURSEVEN_ALLOW_INSECURE_HTTP"] == "true"
    out = capsys.readouterr()
    for name in SECRETS_AND_READERS:
        assert values[name] not in out.out + out.err, f"{name} printed"
    assert "FERNET_KEY" in out.out, "says what it wrote"


def test_every_run_generates_new_values():
    first, second = secrets_command.generate({}), secrets_command.generate({})
    secret_names = set(SECRETS_AND_READERS) - {"TWENTYFOURSEVEN_CLIENT_SECRET"}
    assert all(first[name] != second[name] for name in secret_names)
    assert len({first[name] for name in secret_names}) == len(secret_names), "no value reused"


def test_an_existing_env_file_is_not_touched_without_asking(tmp_path, capsys):
    path = tmp_path / ".env"
    path.write_text("AIRFLOW_UID=1000\n")
    assert run(tmp_path) != 0
    assert path.read_text() == "AIRFLOW_UID=1000\n"
    assert "--yes" in capsys.readouterr().err


@pytest.mark.parametrize("answer", ["y", "n"])
def test_asked_it_fills_only_what_is_missing_and_keeps_every_line(tmp_path, monkeypatch, answer):
    path = tmp_path / ".env"
    before = (
        "# mine\nAIRFLOW_UID=1000\nFERNET_KEY=\nTWENTYFOURSEVEN_CLIENT_SECRET='real secret'\n"
        "TWENTYFOURSEVEN_API_BASE_URL=https://rest.api.24sevenoffice.com/v1\n"
    )
    path.write_text(before)
    path.chmod(0o644)
    questions = []
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(builtins, "input", lambda prompt: questions.append(prompt) or answer)
    assert run(tmp_path) == (0 if answer == "y" else 1)
    (question,) = questions
    assert str(path) in question
    if answer == "n":
        assert path.read_text() == before
        return
    text = path.read_text()
    assert text.startswith("# mine\nAIRFLOW_UID=1000\n")
    assert len(re.findall(r"^FERNET_KEY=", text, re.MULTILINE)) == 1, "filled in place"
    values = secrets_command.read_env_file(path)
    Fernet(values["FERNET_KEY"])
    assert values["TWENTYFOURSEVEN_CLIENT_SECRET"] == "real secret"
    assert "TWENTYFOURSEVEN_ALLOW_INSECURE_HTTP" not in values, "not the sandbox connection"
    assert all(values[name] for name in SECRETS_AND_READERS)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_nothing_missing_changes_nothing(tmp_path):
    assert run(tmp_path) == 0
    text = (tmp_path / ".env").read_text()
    assert run(tmp_path, "--yes") == 0
    assert (tmp_path / ".env").read_text() == text


def test_env_example_lists_what_the_generator_writes():
    documented = set(env_example(uncomment=True))
    assert set(secrets_command.generate({})) <= documented


def test_the_sandbox_takes_its_secret_from_the_environment_and_does_not_print_it(
    monkeypatch, capsys
):
    from twentyfourseven.sandbox import server

    # The variable docker-compose.yml sets on the sandbox service.
    secret = secrets_command.generate({})["TWENTYFOURSEVEN_SANDBOX_CLIENT_SECRET"]
    monkeypatch.setenv("TWENTYFOURSEVEN_SANDBOX_CLIENT_SECRET", secret)
    served = []

    def serve(config, *, ready, **options):
        served.append(config)
        ready("http://127.0.0.1:1")

    monkeypatch.setattr(server, "serve", serve)
    assert main(["sandbox"]) == 0
    assert served[0].client_secret == secret
    out = capsys.readouterr()
    assert secret not in out.out + out.err
    assert "client_secret=(set, not shown)" in out.err
