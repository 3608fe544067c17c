"""``[core] hostname_callable`` for workers that share one machine's hostname: each
worker's task instances report the name in ``TWENTYFOURSEVEN_TEST_WORKER_HOSTNAME``.
Used only where ``unshare --uts`` is not allowed (see cluster.py)."""

import os
import socket


def hostname() -> str:
    return os.environ.get("TWENTYFOURSEVEN_TEST_WORKER_HOSTNAME") or socket.getfqdn()
