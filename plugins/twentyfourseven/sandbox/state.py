"""One running sandbox's parts, wired together: data, clock, faults, counters, tokens."""

from __future__ import annotations

from .clock import SandboxClock
from .config import SandboxConfig
from .counters import RequestCounters
from .faults import FaultInjector
from .generator import OrderGenerator
from .master import MasterData
from .store import SalesOrderStore
from .tokens import TokenRegistry


class Sandbox:
    """The state behind one app; only the event loop thread touches it."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.settings = config.settings.model_copy()
        self.clock = SandboxClock(int(config.now.timestamp()), tick=self.settings.tick)
        self.generator = OrderGenerator(
            seed=config.seed,
            orders=config.orders,
            end=int(config.now.timestamp()),
            history_days=config.history_days,
        )
        self.store = SalesOrderStore(self.generator, self.clock)
        self.master = MasterData(self.generator)
        self.faults = FaultInjector(config.faults)
        self.counters = RequestCounters()
        self.tokens = TokenRegistry()

    def reset(self) -> None:
        """Back to the state at start: no changes, start clock, start faults and settings."""
        self.settings = self.config.settings.model_copy()
        self.clock.reset()
        self.clock.set_tick(self.settings.tick)
        self.store.reset()
        self.master.reset()
        self.faults.configure(self.config.faults)
        self.counters.reset()

    def token_lifetime(self) -> float:
        return self.settings.token_lifetime or float(self.settings.token_expires_in)
