"""The registry of programmes: their display order, the order they run in, and its checks.

Programmes are listed in the order users read them (ledger lines, tables, ``aidsim explain``).
They *run* in an order derived from what they need: a programme runs after every programme that
provides a key it reads, and among those free to run, in the listed order. Checked when the
registry is built (at import): every key read is provided by the engine, by an earlier-running
programme or as a value carried from earlier months; no key is provided twice; ledger lines,
measures and stream draws are unique.
"""

from __future__ import annotations

from collections.abc import Iterable

from aidsim.programmes.base import MONTH_KEYS, START_KEYS, LedgerLine, Programme, Stream


class RegistryError(ValueError):
    """The programmes' declarations do not fit together (a bug in a programme, not a user error)."""


def _run_order(programmes: list[Programme], needs_of, provided_by: dict[str, str]) -> list[Programme]:
    """Kahn's topological order, taking the earliest listed programme among those ready."""
    pending = list(programmes)
    done: set[str] = set()
    order = []
    while pending:
        for prog in pending:
            deps = {provided_by[k] for k in needs_of(prog) if k in provided_by} - {prog.name}
            if deps <= done:
                break
        else:
            names = ", ".join(p.name for p in pending)
            raise RegistryError(f"the needs of {names} form a cycle")
        order.append(prog)
        done.add(prog.name)
        pending.remove(prog)
    return order


class Registry:
    """Programmes in display order, with their run order and the ledger's lines."""

    def __init__(self, programmes: Iterable[Programme]):
        self.programmes: tuple[Programme, ...] = tuple(programmes)
        names = [p.name for p in self.programmes]
        if len(set(names)) != len(names):
            raise RegistryError(f"programme names must be unique: {names}")
        provided_by: dict[str, str] = {}
        carried: set[str] = set()
        for prog in self.programmes:
            for key in (*prog.provides, *prog.carries):
                if key in MONTH_KEYS or key in provided_by:
                    raise RegistryError(f"{prog.name} provides {key!r}, which is provided already")
                if not key.startswith(f"{prog.name}."):
                    raise RegistryError(f"{prog.name} provides {key!r}: keys start with the programme's name")
                provided_by[key] = prog.name
            carried |= set(prog.carries)
            for stream in (*prog.streams, *prog.start_streams):
                if not stream.key.startswith("draws."):
                    raise RegistryError(f"{prog.name}: stream keys start with 'draws.'; got {stream.key!r}")
        month_provided = {k: v for k, v in provided_by.items() if k not in carried}
        for prog in self.programmes:
            own_draws = {s.key for s in prog.streams}
            for key in prog.needs:
                if key not in MONTH_KEYS and key not in provided_by and key not in own_draws:
                    raise RegistryError(f"{prog.name} needs {key!r}, which nobody provides")
            for key in prog.start_needs:
                if key not in START_KEYS and key not in provided_by:
                    raise RegistryError(f"{prog.name} needs {key!r} at the start, which nobody provides")
        self.order = tuple(_run_order(list(self.programmes), lambda p: p.needs, month_provided))
        self.start_order = tuple(_run_order(list(self.programmes), lambda p: p.start_needs, month_provided))
        self.lines: tuple[LedgerLine, ...] = tuple(line for p in self.programmes for line in p.lines)
        line_names = [line.name for line in self.lines]
        if len(set(line_names)) != len(line_names):
            raise RegistryError(f"ledger lines must be unique: {line_names}")
        self.line_names: tuple[str, ...] = tuple(line_names)
        self.provided_by = provided_by
        self._check_streams()

    def _check_streams(self) -> None:
        for attr in ("streams", "start_streams"):
            seen: dict[tuple[str, int], str] = {}
            keys: set[str] = set()
            for prog in self.programmes:
                for s in getattr(prog, attr):
                    if (s.name, s.slot) in seen or s.key in keys:
                        raise RegistryError(f"{prog.name}: stream {s.name!r} slot {s.slot} or key {s.key!r} "
                                            "is declared twice")
                    seen[(s.name, s.slot)] = prog.name
                    keys.add(s.key)
            for name in {n for n, _ in seen}:
                slots = sorted(slot for n, slot in seen if n == name)
                if slots != list(range(len(slots))):
                    raise RegistryError(f"the draws of stream {name!r} must use slots 0 … {len(slots) - 1}")

    def draws(self, start: bool) -> list[Stream]:
        """Every stream draw of the month (or of the start), in the order they are made: by stream,
        then slot (draws on different streams are independent, so only the order within one
        stream matters)."""
        streams = [s for p in self.programmes for s in (p.start_streams if start else p.streams)]
        return sorted(streams, key=lambda s: (s.name, s.slot))

    def __getitem__(self, name: str) -> Programme:
        for prog in self.programmes:
            if prog.name == name:
                return prog
        raise KeyError(name)

    def __iter__(self):
        return iter(self.programmes)

    def with_programme(self, programme: Programme) -> Registry:
        """A registry with one more programme (listed last)."""
        return Registry([*self.programmes, programme])
