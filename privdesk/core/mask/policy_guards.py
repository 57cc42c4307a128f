"""Refuse policy YAML that would hang or crash the loader before it is parsed for real.

A policy is a few dozen lines, so anything far beyond that is refused with a clear error: a file
of megabytes, nesting deep enough to exhaust the parser's stack, a number too long for Python to
convert, and aliases that expand exponentially (the "billion laughs": ten aliases of ten aliases
of ...) or refer to themselves. Aliases are otherwise allowed (`*pii` for a shared operator).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from yaml.reader import ReaderError

from privdesk.core.mask.errors import PolicyError

MAX_POLICY_BYTES = 1024 * 1024
MAX_NESTING = 32  # a policy needs five levels (columns > column > entity type > operator > parameter)
MAX_EXPANDED_VALUES = 10_000  # values after aliases are expanded; the largest preset has about 150
MAX_NUMBER_DIGITS = 100

_OPENING = (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken, yaml.FlowMappingStartToken,
            yaml.FlowSequenceStartToken)
_CLOSING = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)
_LONG_NUMBER = re.compile(rf"[-+]?[0-9_]{{{MAX_NUMBER_DIGITS + 1},}}")


def refuse_oversized_file(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError:
        return  # reading it reports the problem
    if size > MAX_POLICY_BYTES:
        raise PolicyError(f"the policy file is {size / (1024 * 1024):,.1f} MB; a policy is a small YAML file "
                          f"(at most {MAX_POLICY_BYTES // (1024 * 1024)} MB).", path=path,
                          hint="Check that this is the policy file you meant to open.")


def refuse_hostile_yaml(text: str, source: str | Path | None) -> None:
    """Raise a PolicyError for the inputs described in the module docstring; syntax errors are left to the parser."""
    depth = 0
    aliases = False
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, _OPENING):
                depth += 1
                if depth > MAX_NESTING:
                    raise PolicyError(f"the YAML is nested more than {MAX_NESTING} levels deep; a policy needs five.",
                                      path=source, line=token.start_mark.line + 1)
            elif isinstance(token, _CLOSING):
                depth -= 1
            elif isinstance(token, yaml.AliasToken):
                aliases = True
            elif isinstance(token, yaml.ScalarToken) and token.plain and _LONG_NUMBER.fullmatch(token.value):
                raise PolicyError(f"this number is {len(token.value):,} digits long; no policy setting needs more than a few.",
                                  path=source, line=token.start_mark.line + 1)
    except ReaderError as error:
        # The reader's own message spans lines; this one names the character and stays on one line.
        character = f"U+{error.character:04X}" if isinstance(error.character, int) else repr(error.character)
        raise PolicyError(f"this is not a text file: it holds the control character {character} "
                          f"(at character {error.position:,}).", path=source,
                          hint="A policy is a YAML text file; check that this is the file you meant.") from None
    except yaml.YAMLError:
        return  # a syntax error: the parser reports it with its line
    if aliases:
        _refuse_alias_expansion(text, source)


def _refuse_alias_expansion(text: str, source: str | Path | None) -> None:
    """Walk the document as the loader will, following aliases, and stop once it is too big or too deep."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return
    if root is None:
        return
    seen = 0
    pending: list[tuple[yaml.Node, int]] = [(root, 1)]
    while pending:
        node, depth = pending.pop()
        seen += 1
        if seen > MAX_EXPANDED_VALUES or depth > MAX_NESTING:
            raise PolicyError(f"its aliases (*name) expand to more than {MAX_EXPANDED_VALUES:,} values or "
                              f"{MAX_NESTING} levels, or refer to themselves.", path=source,
                              line=node.start_mark.line + 1,
                              hint="Write the operators out instead of nesting aliases in aliases.")
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                pending.append((key, depth + 1))
                pending.append((value, depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            pending.extend((item, depth + 1) for item in node.value)
