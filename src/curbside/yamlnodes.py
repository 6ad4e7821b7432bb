"""YAML documents as plain data with the line of every node, for error messages with file:line
(knowledge packs and the vocabulary)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # yaml is imported only when a file is parsed (cached packs need none)
    import yaml


@cache
def yaml_loader() -> type[yaml.SafeLoader | yaml.CSafeLoader]:
    """libyaml's loader, much faster; the pure-Python one gives the same nodes."""
    import yaml

    try:
        return yaml.CSafeLoader
    except AttributeError:  # pragma: no cover - depends on how PyYAML was built
        return yaml.SafeLoader


Loc = tuple[str | int, ...]


def line_of(lines: dict[Loc, int], loc: Loc) -> int | None:
    """Line (1-based) of the deepest recorded node on the way to `loc`."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _scalar(node: yaml.ScalarNode) -> Any:
    return yaml_loader()("").construct_object(node)


def plain(node: yaml.Node, loc: Loc, out: dict[Loc, int]) -> Any:
    import yaml

    out[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        data: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            if not isinstance(key, str):
                raise ValueError(f"line {key_node.start_mark.line + 1}: keys must be text")
            if key in data:
                raise ValueError(f"line {key_node.start_mark.line + 1}: duplicate key '{key}'")
            data[key] = plain(value_node, (*loc, key), out)
            out[(*loc, key)] = key_node.start_mark.line + 1
        return data
    if isinstance(node, yaml.SequenceNode):
        return [plain(item, (*loc, i), out) for i, item in enumerate(node.value)]
    assert isinstance(node, yaml.ScalarNode)
    return _scalar(node)


def plain_with_lines(text: str) -> tuple[Any, dict[Loc, int]]:
    """A YAML document as plain data, with the line of every node (raises yaml.YAMLError for
    bad YAML and ValueError for duplicate or non-text keys)."""
    import yaml

    node = yaml.compose(text, Loader=yaml_loader())
    lines: dict[Loc, int] = {}
    return (None if node is None else plain(node, (), lines)), lines
