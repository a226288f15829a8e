"""Reading README.md and docs/*.md for what they promise: make targets and
variables, `python -m` commands and flags, settings with their defaults, and site
addresses. Used by test_docs_contract.py; any new page in docs/ is read too."""

from __future__ import annotations

import ast
import itertools
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
_SPAN = re.compile(r"`([^`\n]+)`")
_SEPARATORS = re.compile(r"\s(?:&&|\|\||\||;)\s|;\s*$|&&")
_WORD = re.compile(r"^[a-z][a-z0-9_.-]*$")
SETTING = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
# Absolute paths of a machine, not of the site (examples of hosts and folders).
FILESYSTEM = {"usr", "var", "srv", "tmp", "some", "etc", "opt", "home", "work", "run", "dev"}


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@dataclass
class Doc:
    path: Path
    text: str
    blocks: list[str] = field(default_factory=list)      # fenced code
    spans: list[str] = field(default_factory=list)       # inline code
    prose: str = ""                                      # the text without fenced code

    @classmethod
    def read(cls, path: Path) -> Doc:
        text = path.read_text("utf-8")
        doc = cls(path, text, [m[1] for m in _FENCE.finditer(text)])
        doc.prose = _FENCE.sub("", text)
        doc.spans = _SPAN.findall(doc.prose)
        return doc

    @property
    def name(self) -> str:
        return self.path.relative_to(ROOT).as_posix()

    def code(self) -> list[str]:
        """Every piece of code: fenced lines and inline spans."""
        return [line for b in self.blocks for line in b.splitlines()] + self.spans


# -- commands ------------------------------------------------------------------

def segments(line: str) -> list[list[str]]:
    """The simple commands of a shell line, as token lists (comments dropped)."""
    line = re.sub(r"(^|\s)#\s.*$", "", line)
    out = []
    for part in _SEPARATORS.split(line):
        try:
            tokens = shlex.split(part)
        except ValueError:
            tokens = part.split()
        if tokens:
            out.append(tokens)
    return out


@dataclass(frozen=True)
class MakeCall:
    targets: tuple[str, ...]
    variables: tuple[str, ...]
    where: str


def make_calls(doc: Doc) -> list[MakeCall]:
    calls = []
    for line in doc.code():
        for tokens in segments(line):
            if "make" not in tokens:
                continue
            rest = tokens[tokens.index("make") + 1:]
            targets, variables = [], []
            for tok in rest:
                if tok.startswith("-"):
                    continue
                if "=" in tok:
                    variables.append(tok.split("=", 1)[0])
                elif _WORD.match(tok):
                    targets.append(tok)
                else:
                    break
            calls.append(MakeCall(tuple(targets), tuple(variables), f"{doc.name}: {line}"))
    return calls


@dataclass(frozen=True)
class PythonCall:
    module: str
    words: tuple[str, ...]      # subcommands: the words before the first flag
    flags: tuple[str, ...]
    env: tuple[str, ...]        # VAR=value before the interpreter
    where: str


def python_calls(doc: Doc) -> list[PythonCall]:
    calls = []
    for line in doc.code():
        for tokens in segments(line):
            if "-m" not in tokens:
                continue
            at = tokens.index("-m")
            if at == 0 or not re.search(r"python[0-9.]*$|\$\(PYTHON\)$", tokens[at - 1]) \
                    or at + 1 >= len(tokens):
                continue
            env = tuple(t for t in tokens[:at - 1] if "=" in t)
            words, flags, seen_flag = [], [], False
            for tok in tokens[at + 2:]:
                tok = tok.strip("[]")
                if tok.startswith("--"):
                    seen_flag = True
                    flags.append(tok.split("=", 1)[0].rstrip("."))
                elif not seen_flag and _WORD.match(tok) and not tok.startswith("$"):
                    words.append(tok)
            calls.append(PythonCall(tokens[at + 1], tuple(words), tuple(flags), env,
                                    f"{doc.name}: {line}"))
    return calls


# -- tables --------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    heading: str            # the nearest heading above the table
    header: tuple[str, ...]
    cells: tuple[str, ...]
    where: str

    def cell(self, *words: str) -> str | None:
        for i, h in enumerate(self.header):
            if any(w in h.lower() for w in words) and i < len(self.cells):
                return self.cells[i]
        return None


def _cells(line: str) -> tuple[str, ...]:
    parts = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return tuple(p.strip() for p in parts)


def table_rows(doc: Doc) -> list[Row]:
    rows, heading, header = [], "", None
    lines = doc.prose.splitlines()
    for n, line in enumerate(lines):
        if line.startswith("#"):
            heading, header = line.lstrip("#").strip(), None
        if not line.startswith("|"):
            header = None
            continue
        if header is None:
            header = _cells(line)
            continue
        if re.fullmatch(r"[\s|:-]+", line):
            continue
        rows.append(Row(heading, header, _cells(line), f"{doc.name}: {line.strip()}"))
    return rows


def first_code(cell: str | None) -> str | None:
    found = _SPAN.findall(cell or "")
    return found[0] if found else None


def code_assignments(doc: Doc) -> dict:
    """NAME -> value of every `NAME = <literal>` in the page's Python code blocks."""
    out = {}
    for block in doc.blocks:
        try:
            tree = ast.parse(block)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                    and isinstance(node.targets[0], ast.Name):
                try:
                    out[node.targets[0].id] = ast.literal_eval(node.value)
                except ValueError:
                    continue
    return out


def default_matches(cell: str, value, shown=None) -> bool:
    """Whether a table's default cell states `value`. A cell without a literal
    (`...`) describes the default in words: None (no fixed default) passes, and a
    longer value passes when the page shows it in a code block (`shown`)."""
    if value is None:
        return True
    if "`" not in cell and shown is not None and isinstance(value, (str, list, tuple)):
        return _same(shown, value)
    literals = [s.replace("\\|", "|") for s in _SPAN.findall(cell)]
    text = cell.replace("\\|", "|").replace("`", "")
    if isinstance(value, bool):
        return any(c.strip().lower() == str(value).lower() for c in literals or [text])
    if isinstance(value, (int, float)):
        numbers = re.findall(r"\d[\d,_]*(?:\.\d+)?", text)
        return any(float(n.replace(",", "").replace("_", "")) == value for n in numbers)
    if isinstance(value, str):
        return any(c.strip().strip("\"'") == value for c in literals or [text])
    if isinstance(value, (list, tuple)):
        if not all(isinstance(v, str) for v in value):
            return not literals or any(_literal(c) == list(value) for c in literals)
        return any(_literal(c) == list(value) for c in literals)
    return True


def _norm(value):
    return [_norm(x) for x in value] if isinstance(value, (list, tuple)) else value


def _same(a, b) -> bool:
    return _norm(a) == _norm(b)


def _literal(text: str):
    for parse in (ast.literal_eval, yaml.safe_load):
        try:
            value = parse(text)
        except (ValueError, SyntaxError, yaml.YAMLError):
            value = None        # not that kind of literal
        if isinstance(value, (list, tuple)):
            return [list(v) if isinstance(v, tuple) else v for v in value]
    return None


# -- addresses -----------------------------------------------------------------

def site_addresses(doc: Doc) -> list[tuple[str, str]]:
    """(address, where) of every `/...` span naming a page or file of the site."""
    out = []
    for span in doc.spans:
        for token in span.replace(",", " , ").split() if " " in span else [span]:
            if not token.startswith("/") or token.startswith("//"):
                continue
            first = token.strip("/").split("/")[0]
            if first in FILESYSTEM:
                continue
            out.append((token, f"{doc.name}: `{span}`"))
    return out


def expand(address: str) -> list[str]:
    """Glob patterns of an address: `{a,b}` alternatives, `<x>`, `{x}`, `...` and
    `N` placeholders as `*`; query and fragment dropped."""
    address = re.split(r"[?#]", address)[0]
    parts = re.split(r"(\{[^{}]*,[^{}]*\})", address)
    options = [p[1:-1].split(",") if p.startswith("{") and "," in p else [p] for p in parts]
    out = []
    for combo in itertools.product(*options):
        path = "".join(combo)
        path = re.sub(r"<[^<>]*>|\{[^{}]*\}|\.\.\.", "*", path)
        path = "/".join("*" if seg == "N" else seg for seg in path.split("/"))
        out.append(path)
    return out
