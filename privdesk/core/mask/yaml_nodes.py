"""YAML to plain Python data, remembering the line of every field so errors can point at it."""

from __future__ import annotations

from typing import Any

import yaml

from privdesk.core.mask.errors import PolicyError

Path = tuple[str | int, ...]


class LocatedData:
    """Plain data parsed from YAML plus the 1-based line of each field (by its path of keys)."""

    def __init__(self, data: Any, lines: dict[Path, int]):
        self.data = data
        self.lines = lines

    def line(self, path: Path) -> int | None:
        # A field that is missing has no line: point at the closest enclosing one instead.
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())


def parse_yaml(text: str, *, source: str | None = None) -> LocatedData:
    """Parse one YAML document with the safe loader; duplicate keys are refused, not silently merged."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        raise PolicyError(f"this is not valid YAML ({problem}).", path=source,
                          line=mark.line + 1 if mark is not None else None) from None
    except yaml.YAMLError as error:
        raise PolicyError(f"this is not valid YAML ({error}).", path=source) from None
    lines: dict[Path, int] = {}
    if node is None:
        return LocatedData(None, lines)
    constructor = yaml.SafeLoader("")
    data = _convert(node, (), lines, constructor, source)
    return LocatedData(data, lines)


def _convert(node: yaml.Node, path: Path, lines: dict[Path, int], constructor: yaml.SafeLoader,
             source: str | None) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise PolicyError("a key must be plain text.", path=source, line=key_node.start_mark.line + 1)
            key = constructor.construct_object(key_node)
            if key == "<<":
                raise PolicyError("YAML merge keys (<<) are not supported in policies.", path=source,
                                  line=key_node.start_mark.line + 1)
            key = str(key) if key is not None else ""
            if key in result:
                raise PolicyError(f"'{key}' appears twice.", path=source, line=key_node.start_mark.line + 1,
                                  field=".".join(map(str, (*path, key))))
            lines[(*path, key)] = key_node.start_mark.line + 1
            result[key] = _convert(value_node, (*path, key), lines, constructor, source)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, index), lines, constructor, source) for index, item in enumerate(node.value)]
    return constructor.construct_object(node)
