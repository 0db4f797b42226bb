"""Named random streams spawned from one root seed.

Each mechanism draws from its own stream, keyed by a stable hash of its name, so changing one
mechanism (say, running a program) never shifts the draws of another. Replication ``i`` of every
arm gets the same seed, hence the same organization and the same background draws: common
random numbers. Nothing here touches the global ``random`` or ``np.random`` state.
"""

from __future__ import annotations

import zlib

import numpy as np

_SEED_BITS = 63  # seeds fit a signed 64-bit column in Parquet and CSV


def stable_key(name: str) -> int:
    """Return a stable 32-bit key for a stream name (CRC32, identical across runs and hosts)."""
    return zlib.crc32(name.encode("utf-8"))


def replication_seed(root_seed: int, replication: int) -> int:
    """Return the seed of replication ``replication`` under ``root_seed``.

    Args:
        root_seed: The scenario's seed.
        replication: Zero-based replication index.

    Returns:
        A non-negative integer below 2**63, the same for every arm (common random numbers).
    """
    seq = np.random.SeedSequence(root_seed, spawn_key=(replication,))
    return int(seq.generate_state(1, np.uint64)[0] >> np.uint64(64 - _SEED_BITS))


class Streams:
    """A family of independent named generators derived from one run seed.

    Args:
        seed: The run's seed.

    Example:
        >>> streams = Streams(7)
        >>> a = streams["adoption"].random()
        >>> Streams(7)["adoption"].random() == a
        True
    """

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._generators: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        """Return the generator named ``name``, creating it on first use."""
        gen = self._generators.get(name)
        if gen is None:
            seq = np.random.SeedSequence(self.seed, spawn_key=(stable_key(name),))
            gen = np.random.Generator(np.random.PCG64(seq))
            self._generators[name] = gen
        return gen

    def seed_for(self, name: str) -> int:
        """Return an integer seed for a library that wants one (networkx), from stream ``name``."""
        return int(self[name].integers(0, 2**31 - 1))
