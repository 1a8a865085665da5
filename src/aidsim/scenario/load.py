"""Reading scenario files: YAML with line numbers, ``extends:`` chains, merge, then one validation.

A reform is a small file that names its baseline and overrides a few values::

    extends: ../baseline.yaml
    name: rural-500-july
    dibao:
      standard:
        rural: {2020-07: 500}

Files are merged first (the extending file wins; dated series are merged month by month, so the
reform above keeps the baseline's 433 before July), then the merged tree is validated once.
Nothing is built from a scenario that is not valid as a whole. Every problem is reported with the
file and line that set the offending value, the key path and what was expected.

Reading is guarded, so that no file can hang aidsim or exhaust its memory:

- only regular files are read (a FIFO, a device such as ``/dev/zero``, a directory or a socket is
  refused before anything is read); a path with a NUL byte, a symlink loop, a name too long and
  every other OS error become a :class:`~aidsim.errors.ScenarioError` naming the file;
- a file may hold at most ``MAX_FILE_BYTES`` (1 MiB; the shipped scenarios take under 2 KB) and
  ``extends:`` chains at most ``MAX_EXTENDS`` (16) files;
- a document may hold at most ``MAX_NODES`` (10,000) values, counted as they are parsed and
  again with YAML aliases expanded (keys included; the whole default scenario has 605); anchors and
  aliases are allowed, at most ``MAX_ALIASES`` (100) of them; mappings and lists may be nested at
  most ``MAX_DEPTH`` (32) deep. A 1 KB "billion laughs" file is refused at once, and so is a file
  of a million tiny values, after the first 10,000.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from aidsim.calendar import format_month, is_month_key, parse_month
from aidsim.errors import ProfileError, ScenarioError
from aidsim.scenario.dated import DatedValue
from aidsim.scenario.profile import CountyProfile, impossible, scenario_tree
from aidsim.scenario.schema import Dibao, Scenario

KeyPath = tuple[str, ...]
Provenance = dict[KeyPath, tuple[str, int | None]]

#: Where values given on the command line (overrides) are said to come from.
OVERRIDE_SOURCE = "command-line override"

MAX_FILE_BYTES = 1024 * 1024
MAX_ALIASES = 100
MAX_NODES = 10_000
MAX_DEPTH = 32
MAX_EXTENDS = 16


class _TooMuch(Exception):
    """Raised inside the YAML composer when a document breaks a limit (with the line)."""

    def __init__(self, line: int | None, message: str):
        super().__init__(message)
        self.line, self.message = line, message


class _Loader(yaml.SafeLoader):
    """Safe YAML without implicit timestamps: ``2020-07-01`` stays text and is read as a month by
    aidsim, so an impossible date is reported as a scenario error, not a crash. It counts aliases
    and nesting while composing, so an alias bomb or a deeply nested document stops early."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._nodes += 1
        if self._nodes > MAX_NODES:
            mark = self.peek_event().start_mark
            raise _TooMuch(mark.line + 1, f"holds more than {MAX_NODES:,} values")
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise _TooMuch(mark.line + 1, f"uses more than {MAX_ALIASES} YAML aliases (*name)")
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise _TooMuch(mark.line + 1, f"nests lists or mappings more than {MAX_DEPTH} deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # PyYAML's constructors fail with plain exceptions on some tagged values (`!!float ` with
        # nothing after it raises IndexError): report them as YAML errors at the value's line.
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, IndexError, KeyError, AttributeError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read the value tagged {_short(str(node.tag), 60)} "
                            f"({type(exc).__name__}: {_short(str(exc), 60)})", node.start_mark) from None


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _short(text: str, limit: int = 80) -> str:
    """User text quoted in a message, cut to ``limit`` characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _display(path: Path) -> str:
    """A path as users wrote it, relative to the working directory when possible."""
    try:
        return _short(str(path.resolve().relative_to(Path.cwd().resolve())), 240)
    except (ValueError, OSError, RuntimeError):
        return _short(str(path), 240)


def _kind(mode: int) -> str:
    for test, what in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return what
    return "not a regular file"


def _read_text(path: Path, name: str) -> str:
    """The text of a regular file of at most ``MAX_FILE_BYTES``; every failure is a ScenarioError.

    The file is opened without blocking (a FIFO with no writer would otherwise wait forever) and
    checked on the open descriptor, so it cannot be swapped between the check and the read."""
    def fail(message: str) -> ScenarioError:
        return ScenarioError([(name, None, "", message)])

    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise fail("does not exist: expected a scenario YAML file") from None
    except (OSError, ValueError) as exc:
        raise fail(f"cannot be opened: {_os_reason(exc)}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise fail(f"is {_kind(info.st_mode)}: expected a regular scenario YAML file")
        if info.st_size > MAX_FILE_BYTES:
            raise fail(f"is {info.st_size:,} bytes: a scenario file may hold at most "
                       f"{MAX_FILE_BYTES:,} bytes")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise fail(f"cannot be read: {_os_reason(exc)}") from None
    finally:
        os.close(fd)
    if len(raw) > MAX_FILE_BYTES:
        raise fail(f"holds more than {MAX_FILE_BYTES:,} bytes: the most a scenario file may hold")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(f"cannot be read as UTF-8 text ({exc})") from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ScenarioError([(name, line, "", "contains a NUL byte: expected YAML text")])
    return text


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    if isinstance(exc, ValueError) and "null" in str(exc):
        return "the path contains a NUL byte"
    return _short(str(exc) or type(exc).__name__)


def _key_text(key: Any) -> str:
    return format_month(parse_month(key)) if is_month_key(key) else str(key)


def _read_yaml(path: Path) -> tuple[dict[str, Any], Provenance]:
    """Parse one file; return its data and the line of every key path. Duplicate keys are errors."""
    name = _display(path)
    text = _read_text(path, name)
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # the reader refuses control characters at once
        node = loader.get_single_node()
        if node is None:
            raise ScenarioError([(name, None, "", "is empty: write `{}` for a scenario of all defaults")])
        lines: Provenance = {}
        problems: list[tuple[str, int | None, str, str]] = []
        _walk(node, (), name, lines, problems, [0])
        if problems:
            raise ScenarioError(problems)
        data = loader.construct_document(node)
    except _TooMuch as exc:
        raise ScenarioError([(name, exc.line, "", exc.message)]) from None
    except RecursionError:
        raise ScenarioError([(name, None, "", f"nests lists or mappings more than {MAX_DEPTH} deep")]) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(0, exc.position)) + 1
        raise ScenarioError([(name, line, "", f"is not valid YAML: it contains the control character "
                                              f"#x{exc.character:04x}")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = _short(getattr(exc, "problem", None) or str(exc), 200)
        context = getattr(exc, "context_mark", None)
        if context is not None and line is not None and context.line + 1 != line:
            problem += f" ({getattr(exc, 'context', None) or 'started'} on line {context.line + 1})"
        raise ScenarioError([(name, line, "", f"is not valid YAML: {problem}")]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if not isinstance(data, dict):
        raise ScenarioError([(name, 1, "", "must be a mapping of keys to values at the top level")])
    return _normalise_keys(data), lines


def _walk(node: yaml.Node, path: KeyPath, name: str, lines: Provenance, problems: list,
          count: list[int]) -> None:
    """Record the line of each key and report duplicate keys (PyYAML would silently keep the last).
    Stop at ``MAX_NODES`` values counted with aliases expanded (``count`` is the running total)."""
    count[0] += 1
    if count[0] > MAX_NODES:
        raise _TooMuch(node.start_mark.line + 1,
                       f"holds more than {MAX_NODES:,} values once its YAML aliases are expanded")
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = _key_text(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "<complex key>"
            line = key_node.start_mark.line + 1
            if key in seen:
                dotted = _short(".".join((*path, key)), 200)
                problems.append((name, line, dotted, f"is given twice (first on line {seen[key]})"))
                continue
            seen[key] = line
            lines[(*path, key)] = (name, line)
            _walk(value_node, (*path, key), name, lines, problems, count)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*path, str(i))] = (name, item.start_mark.line + 1)
            _walk(item, (*path, str(i)), name, lines, problems, count)


def _normalise_keys(data: Any) -> Any:
    """Month keys become ``YYYY-MM`` strings (PyYAML reads ``2020-07-01`` as a date)."""
    if isinstance(data, dict):
        return {_key_text(k): _normalise_keys(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_normalise_keys(v) for v in data]
    return data


def _is_dated(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(is_month_key(k) for k in value)


def _check_date_order(data: Any, path: KeyPath, lines: Provenance) -> None:
    """Within one file, the months of a dated series must increase (checked before merging)."""
    if _is_dated(data):
        keys = list(data)
        for prev_key, key in zip(keys, keys[1:], strict=False):
            if parse_month(key) <= parse_month(prev_key):
                file, line = lines.get((*path, key), ("?", None))
                raise ScenarioError([(
                    file, line, _short(".".join((*path, key)), 200),
                    f"is out of order: the months of a dated value must increase "
                    f"({key} comes after {prev_key})",
                )])
    elif isinstance(data, dict):
        for key, value in data.items():
            _check_date_order(value, (*path, key), lines)


def _growing(value: Any) -> bool:
    return isinstance(value, dict) and "base" in value


def _merge(base: Any, over: Any) -> Any:
    """Deep merge; ``over`` wins. Two dated series merge month by month, sorted by month; a
    growing value (``{base, from, growth | index}``) is spelled out month by month first when a
    dated series overrides it, and replaces the whole series when it overrides one."""
    if _growing(over):
        return over  # a growing value replaces the whole series it overrides
    if _is_dated(over) and _growing(base):
        try:
            base = DatedValue.parse(base).to_data()
        except ValueError:
            pass  # a malformed growing value is reported where it was written, by validation
    if _is_dated(over) and isinstance(base, int | float) and not isinstance(base, bool):
        base = {format_month(0): base}  # a constant is in force from the beginning of time
    if _is_dated(base) and _is_dated(over):
        merged = {**base, **over}
        return dict(sorted(merged.items(), key=lambda kv: parse_month(kv[0])))
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = _merge(base[key], value) if key in base else value
        return out
    return over


def _resolve(path: Path, chain: tuple[Path, ...]) -> tuple[dict[str, Any], Provenance]:
    data, lines = _read_yaml(path)
    _check_date_order(data, (), lines)
    if "profile" in data:  # the population, standards and minimum wage of a county profile
        data, lines = _with_profile(path, data, lines)
    if "extends" not in data:
        return data, lines
    parent = data.pop("extends")
    file, line = lines.get(("extends",), (_display(path), None))

    def wrong(message: str) -> ScenarioError:
        return ScenarioError([(file, line, "extends", message)])

    if not isinstance(parent, str) or not parent.strip():
        raise wrong("must be the path of another scenario file" if parent not in (None, "")
                    else "is empty: it must be the path of another scenario file (or remove the key)")
    shown = repr(_short(parent))
    if "\x00" in parent:
        raise wrong(f"names {shown}, which contains a NUL byte: expected a file path")
    try:
        parent_path = (path.parent / parent).resolve()
        exists = parent_path.exists()
    except RuntimeError:  # Python 3.11 reports a symlink loop this way
        raise wrong(f"names {shown}, which is a symlink loop") from None
    except (OSError, ValueError) as exc:
        raise wrong(f"names {shown}, which cannot be used: {_os_reason(exc)}") from None
    if parent_path in chain:
        raise wrong(f"makes a cycle through {_display(parent_path)}")
    if len(chain) >= MAX_EXTENDS:
        raise wrong(f"makes a chain of more than {MAX_EXTENDS} files")
    if not exists:
        raise wrong(f"names {shown}, which does not exist (paths are relative to the extending file)")
    try:
        mode = parent_path.stat().st_mode
    except OSError as exc:
        raise wrong(f"names {shown}, which cannot be used: {_os_reason(exc)}") from None
    if not stat.S_ISREG(mode):
        raise wrong(f"names {shown}, which is {_kind(mode)}: expected a regular scenario YAML file")
    base, base_lines = _resolve(parent_path, (*chain, parent_path))
    return _merge(base, data), {**base_lines, **lines}


def _with_profile(path: Path, data: dict[str, Any], lines: Provenance) -> tuple[dict[str, Any], Provenance]:
    """A scenario that names a county profile (``profile: county.yaml``): the values the profile
    sets (:func:`aidsim.scenario.profile.scenario_tree`) under the file's own."""
    data = dict(data)
    target = data.pop("profile")
    file, line = lines.get(("profile",), (_display(path), None))
    if not isinstance(target, str) or not target.strip() or "\x00" in target:
        raise ScenarioError([(file, line, "profile", "must be the path of a county profile file "
                                                     "(relative to this file)")])
    try:
        profile_path = (path.parent / target).resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        raise ScenarioError([(file, line, "profile", f"names {_short(target)!r}, which cannot be used: "
                                                     f"{_os_reason(exc)}")]) from None
    profile = load_profile(profile_path)
    tree = scenario_tree(profile)
    derived: Provenance = {}

    def mark(node: Any, at: KeyPath) -> None:
        derived[at] = (file, line)
        if isinstance(node, dict):
            for key, value in node.items():
                mark(value, (*at, key))

    for key, value in tree.items():
        mark(value, (key,))
    return _merge(tree, data), {**derived, **lines}


def load_profile(path: str | Path) -> CountyProfile:
    """Read and validate a county profile (:mod:`aidsim.scenario.profile`).

    Raises
    ------
    ProfileError
        With the file, line, key path and what was expected for every malformed value, or the
        reason for every figure that cannot be true.
    """
    path = Path(path)
    name = _display(path)
    try:
        data, lines = _read_yaml(path)
    except ScenarioError as exc:
        raise ProfileError([(f, ln, k, m.replace("scenario", "profile")) for f, ln, k, m in exc.problems]) from None
    for key in ("extends", "profile"):
        if key in data:
            file, line = lines.get((key,), (name, None))
            raise ProfileError([(file, line, key, "is not a profile key: a profile holds published figures "
                                                  "only (a scenario names a profile with `profile:`)")])
    try:
        profile = CountyProfile.model_validate(data)
    except ValidationError as exc:
        raise _explain(exc.errors(), lines, name, CountyProfile, ProfileError) from None
    problems = []
    for key, reason in impossible(profile, Dibao().minimum_payment):
        where = tuple(key.split("."))
        file, line = name, None
        for cut in range(len(where), 0, -1):
            if where[:cut] in lines:
                file, line = lines[where[:cut]]
                break
        problems.append((file, line, key, f"{reason} (impossible figures are refused)"))
    if problems:
        raise ProfileError(problems)
    return profile


def _find_field(model: type[BaseModel] | None, loc: tuple) -> tuple[str | None, str | None]:
    """The unit and description of the field at ``loc``, walking the schema (nearest known unit)."""
    unit = description = None
    current: Any = model
    for part in loc:
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            break
        info = fields[part]
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if extra.get("unit") and extra["unit"] != "see parent":
            unit = extra["unit"]
        description = info.description or description
        current = _model_of(info.annotation)
    return unit, description


def _allowed_keys(loc: tuple, model: type[BaseModel] = Scenario) -> list[str]:
    current: Any = model
    for part in loc:
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return []
        current = _model_of(fields[part].annotation)
    return sorted(getattr(current, "model_fields", {}))


def _model_of(annotation: Any) -> Any:
    """The pydantic model inside an annotation (``Figure | None`` → ``Figure``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return annotation


_BOUNDS = {"less_than_equal": ("≤", "le"), "greater_than_equal": ("≥", "ge"),
           "less_than": ("<", "lt"), "greater_than": (">", "gt")}


def _plain(kind: str, ctx: dict) -> str | None:
    """pydantic's wording for common errors, said the way the rest of aidsim says it."""
    if kind in _BOUNDS:
        sign, key = _BOUNDS[kind]
        bound = ctx.get(key)
        if isinstance(bound, float) and bound.is_integer():
            bound = int(bound)
        return f"must be {sign} {bound}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "expected a whole number"
    if kind in ("float_parsing", "float_type"):
        return "expected a number"
    if kind == "finite_number":
        return "expected a finite number (not .nan or .inf)"
    if kind in ("string_type",):
        return "expected text"
    if kind in ("bool_parsing", "bool_type"):
        return "expected true or false"
    if kind in ("list_type",):
        return "expected a list"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "expected a mapping of keys to values"
    return None


def _explain(errors: list[dict], lines: Provenance, top_file: str, model: type[BaseModel] = Scenario,
             error: type[ScenarioError] = ScenarioError) -> ScenarioError:
    problems = []
    for err in errors:
        loc = tuple(str(p) for p in err["loc"] if not str(p).startswith("function-"))
        file, line = top_file, None
        for cut in range(len(loc), 0, -1):
            if loc[:cut] in lines:
                file, line = lines[loc[:cut]]
                break
        unit, _ = _find_field(model, loc)
        kind = err["type"]
        got = err.get("input")
        if kind == "extra_forbidden":
            allowed = _allowed_keys(loc[:-1], model)
            msg = "is not a known parameter"
            if allowed:
                msg += f"; expected one of: {', '.join(allowed)}"
        elif kind == "missing":
            msg = "is required but missing"
        else:
            text = _plain(kind, err.get("ctx") or {}) or err["msg"].removeprefix("Value error, ")
            msg = f"is wrong: {text}"
            if unit:
                msg += f" (unit: {unit})"
            if "got" not in text and not isinstance(got, dict | list):
                msg += f"; got {_short(repr(got), 60)}"
        problems.append((file, line, _short(".".join(loc), 200), msg))
    return error(problems)


def validate_scenario(data: Mapping[str, Any], *, source: str = "<scenario>",
                      lines: Provenance | None = None) -> Scenario:
    """Validate an already merged scenario tree; raise :class:`ScenarioError` on any problem."""
    try:
        # Missing values take their documented defaults, part sections included.
        return Scenario.model_validate(_merge(Scenario().resolved(), dict(data)))
    except ValidationError as exc:
        raise _explain(exc.errors(), lines or {}, source) from None


def merge_overrides(data: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Apply ``{"dibao.standard.rural": {"2020-07": 500}, ...}`` overrides to a scenario tree."""
    out = data
    for dotted, value in overrides.items():
        patch: Any = value
        for part in reversed(dotted.split(".")):
            patch = {part: patch}
        out = _merge(out, patch)
    return out


def read_scenario_tree(path: str | Path) -> tuple[dict[str, Any], Provenance]:
    """The merged (not yet validated) tree of a scenario file and the line of every key."""
    path = Path(path)
    name = _display(path)
    if "\x00" in str(path):
        raise ScenarioError([(name, None, "", "cannot be opened: the path contains a NUL byte")])
    try:
        resolved = path.resolve()
    except RuntimeError:  # Python 3.11 reports a symlink loop this way
        raise ScenarioError([(name, None, "", "cannot be opened: it is a symlink loop")]) from None
    except (OSError, ValueError) as exc:
        raise ScenarioError([(name, None, "", f"cannot be opened: {_os_reason(exc)}")]) from None
    return _resolve(resolved, (resolved,))


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read, merge (``extends:``) and validate a scenario file.

    Parameters
    ----------
    path
        The scenario YAML file.
    overrides
        Optional dotted-path overrides applied after the files, e.g.
        ``{"simulation.months": 12}``.

    Raises
    ------
    ScenarioError
        With the file, line, key path and expected form of every problem found.
    """
    data, lines = read_scenario_tree(path)
    if overrides:
        data = merge_overrides(data, overrides)
        for dotted in overrides:
            key = tuple(dotted.split("."))
            for known in [k for k in lines if k[: len(key)] == key]:
                del lines[known]
            lines[key] = (OVERRIDE_SOURCE, None)
    return validate_scenario(data, source=_display(Path(path)), lines=lines)
