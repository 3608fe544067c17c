"""The secrets docker-compose.yml requires, generated into its ``.env``.

``twentyfourseven secrets`` (``make secrets``) writes a random value for each
secret ``docker-compose.yml`` refuses to start without. A new ``.env`` is created
readable by its owner only; an existing one is changed only after asking (or with
``--yes``), and then only its missing or empty variables are filled in: every
other line, a real client secret included, stays as it was. Values are never
printed.
"""

from __future__ import annotations

import argparse
import re
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path

from cryptography.fernet import Fernet

from twentyfourseven.atomic import write_atomically

# Each secret docker-compose.yml requires, and what it protects (the .env comment).
SECRETS = {
    "AIRFLOW__API_AUTH__JWT_SECRET": "signs the API server's tokens, the execution API's too",
    "AIRFLOW__API__SECRET_KEY": "the API server's session and log-fetching key",
    "FERNET_KEY": "encrypts connections and variables in Airflow's database",
    "_AIRFLOW_WWW_USER_PASSWORD": "the UI's admin password (user _AIRFLOW_WWW_USER_USERNAME)",
    "FLOWER_BASIC_AUTH": "Flower's user:password (profile flower)",
    "POSTGRES_PASSWORD": "Airflow's metadata database",
    "TWENTYFOURSEVEN_SANDBOX_CLIENT_SECRET": "the sandbox service's client secret",
    "TWENTYFOURSEVEN_CLIENT_SECRET": "the connection's client secret (the sandbox's until you "
    "switch to the real API: then put the real one here)",
    "TWENTYFOURSEVEN_STAGING_BUCKET_ACCESS_KEY": "the staging bucket's access key (profile s3: "
    "its store's root user; for another store, put its key here)",
    "TWENTYFOURSEVEN_STAGING_BUCKET_SECRET_KEY": "the staging bucket's secret key",
}
# The connection reaches the sandbox service at http://sandbox:8765, which the
# client refuses without this opt-in; written only along with the sandbox's secret.
INSECURE_HTTP_OPT_IN = "TWENTYFOURSEVEN_ALLOW_INSECURE_HTTP"

_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$")


def _token() -> str:
    # URL-safe alphabet: the values go into URLs and JSON as they are, unescaped.
    return secrets.token_urlsafe(32)


def generate(existing: Mapping[str, str]) -> dict[str, str]:
    """Values for the secrets missing (or empty) in ``existing``, in .env order."""
    fresh = {
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(48),
        "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(48),
        "FERNET_KEY": Fernet.generate_key().decode(),
        "_AIRFLOW_WWW_USER_PASSWORD": _token(),
        "FLOWER_BASIC_AUTH": f"admin:{_token()}",
        "POSTGRES_PASSWORD": _token(),
        "TWENTYFOURSEVEN_SANDBOX_CLIENT_SECRET": _token(),
        "TWENTYFOURSEVEN_STAGING_BUCKET_ACCESS_KEY": f"staging-{secrets.token_hex(8)}",
        "TWENTYFOURSEVEN_STAGING_BUCKET_SECRET_KEY": _token(),
    }
    missing = {name: value for name, value in fresh.items() if not existing.get(name)}
    if not existing.get("TWENTYFOURSEVEN_CLIENT_SECRET"):
        sandbox = (
            existing.get("TWENTYFOURSEVEN_SANDBOX_CLIENT_SECRET")
            or missing["TWENTYFOURSEVEN_SANDBOX_CLIENT_SECRET"]
        )
        missing["TWENTYFOURSEVEN_CLIENT_SECRET"] = sandbox
        if not existing.get(INSECURE_HTTP_OPT_IN):
            missing[INSECURE_HTTP_OPT_IN] = "true"
    return missing


def read_env_file(path: Path) -> dict[str, str]:
    """The ``NAME=value`` assignments of a .env file (quotes around a value removed)."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _ASSIGNMENT.match(line)
        if match and not line.lstrip().startswith("#"):
            value = match[2].strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            values[match[1]] = value
    return values


def _render(name: str, value: str) -> list[str]:
    why = SECRETS.get(
        name,
        "opt-in: the connection reaches the sandbox at http://sandbox:8765 (false for "
        "the real API)",
    )
    return [f"# {why}", f"{name}={value}"]


def _filled(text: str, values: dict[str, str]) -> str:
    """``text`` with empty assignments of ``values`` filled in place, the others appended."""
    pending = dict(values)
    lines = []
    for line in text.splitlines():
        match = _ASSIGNMENT.match(line)
        if match and match[1] in pending and not line.lstrip().startswith("#"):
            line = f"{match[1]}={pending.pop(match[1])}"
        lines.append(line)
    if pending:
        lines += ["", "# Added by `twentyfourseven secrets`."]
        for name, value in pending.items():
            lines += _render(name, value)
    return "\n".join(lines) + "\n"


def _write_private(path: Path, text: str, *, new: bool) -> None:
    """Write ``text`` to ``path``, readable and writable by the owner only.

    ``new``: ``path`` must not exist (never clobbered, even by a racing writer);
    otherwise the whole file is replaced at once, so it is never half-written.
    """
    write_atomically(path, text, mode=0o600, clobber=not new)


def _confirmed(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    return input(f"{question} [y/N] ").strip().lower() in {"y", "yes"}


def run(args: argparse.Namespace) -> int:
    path = Path(args.env_file)
    if not path.exists():
        values = generate({})
        lines = [
            "# Secrets for docker-compose.yml, generated by `twentyfourseven secrets`.",
            "# Never commit this file; see .env.example for the other settings.",
        ]
        for name, value in values.items():
            lines += _render(name, value)
        _write_private(path, "\n".join(lines) + "\n", new=True)
        print(f"Wrote {path} (mode 0600): {', '.join(values)}")
        return 0
    text = path.read_text(encoding="utf-8")
    values = generate(read_env_file(path))
    if not values:
        print(f"{path} already sets every secret docker-compose.yml requires; nothing changed")
        return 0
    question = f"{path} exists; fill in {', '.join(values)} (every other line is kept)?"
    if not (args.yes or _confirmed(question)):
        print(
            f"{path} exists and lacks {', '.join(values)}; not changed. Run again with "
            "--yes to fill them in (every other line is kept).",
            file=sys.stderr,
        )
        return 1
    _write_private(path, _filled(text, values), new=False)
    print(f"Filled in {', '.join(values)} in {path} (mode 0600)")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``secrets`` subcommand to the CLI."""
    parser = subparsers.add_parser(
        "secrets",
        help="generate the secrets docker-compose.yml requires into .env",
        description=__doc__.split("\n\n")[1].replace("\n", " "),
    )
    parser.add_argument("--env-file", default=".env", help="the file to write (default .env)")
    parser.add_argument(
        "--yes", action="store_true", help="fill in an existing file's missing secrets unasked"
    )
    parser.set_defaults(func=run)
