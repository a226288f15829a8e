"""YAML front matter between `---` lines, read with the line of every field.

    ---
    title: Nueva versión del portal
    date: 2026-11-20
    ---
    The Markdown body...

Values are kept as the text the editor wrote (YAML's own typing would turn
`2024-02-31` into a crash and `no` into False); `schema.py` converts each field
and names the line when it cannot.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
NULL_TAG = "tag:yaml.org,2002:null"


class FrontMatterError(Exception):
    """A problem in an editor's file; str() is `path:line: message`."""

    def __init__(self, path: str, line: int, message: str):
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


@dataclass
class Field:
    value: object        # str, list[str] or None
    line: int            # 1-based line in the file


@dataclass
class Document:
    fields: dict[str, Field]
    body: str
    body_line: int       # line of the file where the body starts
    end_line: int        # line of the closing ---


def split(text: str, path: str) -> Document:
    text = text.lstrip("\ufeff")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise FrontMatterError(path, 1, "the file must start with front matter: a line "
                                        "'---', the fields (title: ...), and another '---'")
    for n in range(1, len(lines)):
        if lines[n].strip() in ("---", "..."):
            fields = parse("\n".join(lines[1:n]), path, first_line=2)
            return Document(fields, "\n".join(lines[n + 1:]), n + 2, n + 1)
    raise FrontMatterError(path, 1, "front matter is not closed: add a line '---' after "
                                    "the last field")


def _value(node, path: str, key: str):
    if isinstance(node, yaml.ScalarNode):
        if node.tag == NULL_TAG and node.style is None:
            return None
        return node.value.strip()
    if isinstance(node, yaml.SequenceNode):
        out = []
        for item in node.value:
            if not isinstance(item, yaml.ScalarNode):
                raise FrontMatterError(path, item.start_mark.line + 1,
                                       f"'{key}' must be a list of plain values")
            if item.value.strip():
                out.append(item.value.strip())
        return out
    raise FrontMatterError(path, node.start_mark.line + 1,
                           f"'{key}' must be a value or a list, not a nested mapping")


def parse(text: str, path: str, first_line: int = 1) -> dict[str, Field]:
    offset = first_line - 1
    try:
        root = yaml.compose(text, Loader=Loader) if text.strip() else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 + offset if mark is not None else first_line
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FrontMatterError(path, line, f"front matter is not valid YAML: {problem} "
                                           "(write one 'field: value' per line)") from None
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise FrontMatterError(path, root.start_mark.line + 1 + offset,
                               "front matter must be 'field: value' lines")
    fields: dict[str, Field] = {}
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1 + offset
        if not isinstance(key_node, yaml.ScalarNode):
            raise FrontMatterError(path, line, "a field name must be plain text")
        key = key_node.value.strip().lower()
        if key in fields:
            raise FrontMatterError(path, line, f"'{key}' appears twice (first on line "
                                               f"{fields[key].line})")
        try:
            value = _value(value_node, path, key)
        except FrontMatterError as exc:
            raise FrontMatterError(path, exc.line + offset, exc.message) from None
        fields[key] = Field(value, line)
    return fields
