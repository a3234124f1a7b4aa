"""Plain data as YAML people read: keys in their order, ``null`` spelled out, multi-line text as
literal blocks, lists indented under their key."""

from __future__ import annotations

from io import StringIO
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.representer import RoundTripRepresenter


def _null(representer: RoundTripRepresenter, _: None) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def _text(representer: RoundTripRepresenter, value: str) -> Any:
    style = "|" if "\n" in value and not value.endswith((" ", "\t")) else None
    return representer.represent_scalar("tag:yaml.org,2002:str", value, style=style)


class _Representer(RoundTripRepresenter):
    """A representer of its own: registering on ruamel's would change every YAML dump."""


_Representer.add_representer(type(None), _null)
_Representer.add_representer(str, _text)


def dump_yaml(data: Any) -> str:
    """``data`` (dicts, lists, scalars) as a YAML document."""
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.width = 100
    yaml.allow_unicode = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.Representer = _Representer
    out = StringIO()
    yaml.dump(data, out)
    return out.getvalue()


__all__ = ["dump_yaml"]
