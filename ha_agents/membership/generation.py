"""Heartbeat's generation (``hg``) and its ``hb_generation`` file format, pure.

Observed with the real daemon (3.0.6, Debian): ``/var/lib/heartbeat/hb_generation`` is
16 bytes, the decimal generation right-aligned in 15 columns plus a newline
(``b"     1795601488\\n"``).  The first start uses ``time()`` and logs
``No Previous generation - starting at N``; every later start uses the stored value + 1
and writes it back before sending anything.  ``hb_uuid`` is the 16 raw uuid bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

UUID_LEN = 16
MAX_GENERATION = 0xFFFFFFFF  # Heartbeat stores an unsigned long; keep to 32 bits


@dataclass(frozen=True, slots=True)
class GenerationDecision:
    generation: int
    first: bool  # no usable previous generation

    @property
    def notices(self) -> tuple[tuple[str, str], ...]:
        """(level, text) log lines, Heartbeat's wording."""
        lines: list[tuple[str, str]] = []
        if self.first:
            lines.append(("WARN", f"No Previous generation - starting at {self.generation}"))
        lines.append(("info", f"Heartbeat generation: {self.generation}"))
        return tuple(lines)


class BadGenerationFile(ValueError):
    pass


def parse_generation(data: bytes) -> int:
    """The generation stored in an hb_generation file; raises BadGenerationFile."""
    text = data.strip()
    if not text or not text.isdigit() or len(text) > 10:
        raise BadGenerationFile(f"not a generation number: {data[:32]!r}")
    value = int(text)
    if value > MAX_GENERATION:
        raise BadGenerationFile(f"generation out of range: {value}")
    return value


def format_generation(generation: int) -> bytes:
    return f"{generation:15d}\n".encode("ascii")


def next_generation(previous: int | None, wall_time: int) -> GenerationDecision:
    """Generation for this start: previous + 1, or the wall clock on a first start.

    A previous value ahead of the clock still wins (+1): a generation never repeats."""
    if previous is None:
        return GenerationDecision(wall_time & MAX_GENERATION, first=True)
    if previous >= MAX_GENERATION:
        raise BadGenerationFile("generation exhausted")
    return GenerationDecision(previous + 1, first=False)
