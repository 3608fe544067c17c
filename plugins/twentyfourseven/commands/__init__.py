"""The subcommands of the ``twentyfourseven`` command line, one module each, every one
with a ``register(subparsers)`` that :mod:`twentyfourseven.cli` calls."""
