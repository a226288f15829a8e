"""YAML in and out: safe loading only, deterministic dumping, atomic writes.

libyaml's C loader and dumper are used when PyYAML was built with them;
the pure-Python ones give the same result, slower.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SafeDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


FILE_MODE = 0o644


class YamlError(ValueError):
    """A YAML file that cannot be read; the message names the file and line."""


def _describe(path: Path | str, exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"{where}: invalid YAML: {problem}"


def loads(text: str | bytes, path: Path | str = "<string>") -> Any:
    try:
        return yaml.load(text, Loader=SafeLoader)
    except yaml.YAMLError as exc:
        raise YamlError(_describe(path, exc)) from None


def load_file(path: Path | str) -> Any:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise YamlError(f"{path}: cannot read: {exc.strerror}") from None
    return loads(data, path)


def dumps(data: Any) -> bytes:
    """Same input, same bytes: key order as given, no line wrapping, UTF-8."""
    return yaml.dump(data, Dumper=SafeDumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=1 << 30, encoding="utf-8")


def write_atomic(path: Path | str, data: bytes, durable: bool = True) -> None:
    """Write to a temporary file in the same folder, then rename over the target:
    a reader, or a process killed half-way, sees the old file or the new one.
    `durable=False` skips the fsync, for caches (checked when read, rebuilt when
    unreadable): flushing tens of megabytes to disk costs a build seconds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, FILE_MODE)  # mkstemp makes 0600; snapshot files are public
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
