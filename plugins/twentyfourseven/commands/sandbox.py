"""The ``twentyfourseven sandbox`` command: flags for data, credentials, token
lifetime and every fault, mapped onto :class:`SandboxConfig`."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys

from twentyfourseven.sandbox.config import FaultConfig, RuntimeSettings, SandboxConfig

# Where the docker compose deployment passes the sandbox's own client secret: in the
# environment rather than on the command line, which every process listing shows.
CLIENT_SECRET_ENV = "TWENTYFOURSEVEN_SANDBOX_CLIENT_SECRET"  # noqa: S105 (a variable name)
PUBLIC_CLIENT_SECRET = SandboxConfig.model_fields["client_secret"].default


def _timestamp(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sandbox`` subcommand to the CLI."""
    parser = subparsers.add_parser(
        "sandbox",
        help="run the local 24SevenOffice API emulator",
        description="Serve generated sales orders with the 24SevenOffice REST API's contract.",
    )
    data = parser.add_argument_group("data and server")
    data.add_argument("--orders", type=int, default=1000, help="number of orders (default 1000)")
    data.add_argument("--seed", type=int, default=7, help="data seed (default 7)")
    data.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    data.add_argument("--port", type=int, default=8765, help="port, 0 for any (default 8765)")
    data.add_argument("--now", type=_timestamp, help="sandbox clock at start (ISO 8601)")
    data.add_argument("--history-days", type=int, default=730, help="days of order history")
    data.add_argument("--tick", action="store_true", help="let the sandbox clock follow wall time")
    data.add_argument(
        "--line-edit-bumps-modified",
        action="store_true",
        help="a change to lines alone bumps the order's modifiedAt",
    )
    data.add_argument("--log-level", default="info", help="uvicorn log level")

    auth = parser.add_argument_group("authentication")
    auth.add_argument("--client-id", default="sandbox-client")
    auth.add_argument(
        "--client-secret",
        default=os.environ.get(CLIENT_SECRET_ENV) or PUBLIC_CLIENT_SECRET,
        help=f"default: ${CLIENT_SECRET_ENV}, else the public test value {PUBLIC_CLIENT_SECRET}",
    )
    auth.add_argument("--organization-id", default="sandbox-org")
    auth.add_argument("--token-expires-in", type=int, default=3600, help="seconds announced")
    auth.add_argument("--token-lifetime", type=float, help="seconds really valid (default: same)")

    faults = parser.add_argument_group("faults (all off by default; rates are 0..1)")
    faults.add_argument("--latency-ms", type=float, default=0)
    faults.add_argument("--jitter-ms", type=float, default=0)
    faults.add_argument("--rate-limit", type=float, help="requests per second, 429 beyond")
    faults.add_argument("--rate-limit-burst", type=int)
    faults.add_argument("--no-retry-after", action="store_true", help="429 without Retry-After")
    faults.add_argument("--error-500", type=float, default=0)
    faults.add_argument("--error-502", type=float, default=0)
    faults.add_argument("--error-503", type=float, default=0)
    faults.add_argument("--drop-rate", type=float, default=0, help="close without answering")
    faults.add_argument("--slow-rate", type=float, default=0)
    faults.add_argument("--slow-seconds", type=float, default=5.0)
    faults.add_argument("--malformed-rate", type=float, default=0, help="truncated JSON bodies")
    faults.add_argument("--invalid-record-rate", type=float, default=0, help="schema violations")
    faults.add_argument("--revoke-tokens-every", type=int, help="revoke tokens every N requests")
    faults.add_argument("--fault-endpoints", nargs="+", help="endpoints the faults apply to")
    faults.add_argument("--fault-seed", type=int, default=0)
    parser.set_defaults(func=run)


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    faults = FaultConfig(
        latency_ms=args.latency_ms,
        jitter_ms=args.jitter_ms,
        rate_limit=args.rate_limit,
        rate_limit_burst=args.rate_limit_burst,
        retry_after=not args.no_retry_after,
        error_500=args.error_500,
        error_502=args.error_502,
        error_503=args.error_503,
        drop_rate=args.drop_rate,
        slow_rate=args.slow_rate,
        slow_seconds=args.slow_seconds,
        malformed_rate=args.malformed_rate,
        invalid_record_rate=args.invalid_record_rate,
        revoke_tokens_every=args.revoke_tokens_every,
        endpoints=args.fault_endpoints,
        seed=args.fault_seed,
    )
    settings = RuntimeSettings(
        line_edit_bumps_modified=args.line_edit_bumps_modified,
        token_expires_in=args.token_expires_in,
        token_lifetime=args.token_lifetime,
        tick=args.tick,
    )
    extra = {"now": args.now} if args.now else {}
    return SandboxConfig(
        orders=args.orders,
        seed=args.seed,
        client_id=args.client_id,
        client_secret=args.client_secret,
        organization_id=args.organization_id,
        history_days=args.history_days,
        settings=settings,
        faults=faults,
        **extra,
    )


def run(args: argparse.Namespace) -> int:
    from twentyfourseven.sandbox.server import serve

    config = config_from_args(args)
    # Only the public test value is printed: a secret of its own would land in logs.
    shown_secret = (
        config.client_secret if config.client_secret == PUBLIC_CLIENT_SECRET else "(set, not shown)"
    )

    def announce(root: str) -> None:
        print(
            f"24SevenOffice sandbox: {config.orders} orders, seed {config.seed}\n"
            f"  API        {root}/v1\n"
            f"  token      {root}/oauth/token\n"
            f"  admin      {root}/_sandbox  (docs: {root}/_sandbox/docs)\n"
            f"  client_id={config.client_id} client_secret={shown_secret} "
            f"login_organization={config.organization_id}",
            file=sys.stderr,
            flush=True,
        )

    serve(config, host=args.host, port=args.port, log_level=args.log_level, ready=announce)
    return 0
