"""Reading convention files: YAML (including the Python tags Isaac Lab's dumps carry), required
facts that are reported together and by name when missing, and per-joint values.
"""

import os
import re

import yaml

from legged_mjx.errors import UserError


class _Loader(yaml.SafeLoader):
    """SafeLoader that reads `!!python/...` tags as plain data instead of refusing them."""


def _plain(loader: yaml.SafeLoader, suffix: str, node: yaml.Node):
    """`!!python/tuple [..]` -> list, `!!python/object/apply:builtins.slice [a, b, c]` -> slice(a, b, c)
    (unitree_rl_lab writes `joint_ids` so), `!!python/name:module.func ''` -> "module.func" (the name
    lives in the tag)."""
    if isinstance(node, yaml.SequenceNode):
        values = loader.construct_sequence(node, deep=True)
        if suffix == "object/apply:builtins.slice" and len(values) <= 3:
            return slice(*values)
        return values
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    return loader.construct_scalar(node) or suffix.split(":", 1)[-1]


_Loader.add_multi_constructor("tag:yaml.org,2002:python/", _plain)


def load_yaml(path: str) -> dict:
    """The top-level mapping of a YAML file; a missing or malformed file is a UserError."""
    if not os.path.isfile(path):
        raise UserError(f"config file not found: {path}")
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise UserError(f"cannot parse {path}: {' '.join(str(error).split())}") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a YAML mapping at the top level")
    return data


_ABSENT = object()


def lookup(data, dotted: str):
    """data['a']['b'] for 'a.b'; _ABSENT where a level is missing."""
    node = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return _ABSENT
        node = node[part]
    return node


def require(data: dict, facts: dict, source: str) -> dict:
    """{dotted key: value} for every key of `facts` ({dotted key: what it means}); one UserError
    naming every absent key otherwise. A key present with value null counts as present."""
    missing = [f"{key} ({what})" for key, what in facts.items() if lookup(data, key) is _ABSENT]
    if missing:
        raise UserError(f"{source}: missing {'; '.join(missing)}")
    return {key: lookup(data, key) for key in facts}


def per_joint(value, joint_names: list, what: str, source: str) -> list:
    """A value per joint (joint_names order) from a scalar, a list in joint_names order, or an Isaac
    Lab style {regex: value} mapping (each joint must full-match exactly one key)."""
    count = len(joint_names)
    if isinstance(value, bool) or value is None:
        raise UserError(f"{source}: {what} must be a number, a list of {count} or a {{joint regex: value}} mapping")
    if isinstance(value, (int, float)):
        return [float(value)] * count
    if isinstance(value, list):
        if len(value) != count or not all(isinstance(v, (int, float)) for v in value):
            raise UserError(f"{source}: {what} needs {count} numbers (one per joint), got {value}")
        return [float(v) for v in value]
    if isinstance(value, dict):
        return [float(value[key]) for key in match_joints(value, joint_names, what, source)]
    raise UserError(f"{source}: {what} must be a number, a list or a mapping, got {type(value).__name__}")


def match_joints(patterns: dict, joint_names: list, what: str, source: str) -> list:
    """For each joint, the one key of `patterns` (a regex) that fully matches its name."""
    try:
        compiled = {key: re.compile(key) for key in patterns}
    except re.error as error:
        raise UserError(f"{source}: bad joint regex in {what}: {error}") from None
    keys, unmatched, ambiguous = [], [], []
    for name in joint_names:
        hits = [key for key, regex in compiled.items() if regex.fullmatch(name)]
        if len(hits) == 1:
            keys.append(hits[0])
        else:
            (ambiguous if hits else unmatched).append(name)
    if unmatched:
        raise UserError(f"{source}: {what} has no value for joints {', '.join(unmatched)}")
    if ambiguous:
        raise UserError(f"{source}: {what} matches joints {', '.join(ambiguous)} with more than one key")
    return keys


def symmetric_clip(value, what: str, source: str) -> float:
    """A clip given as a number c or a range [-c, c] -> c; null -> inf (no clip)."""
    if value is None:
        return float("inf")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value)
    if isinstance(value, list) and len(value) == 2 and float(value[0]) == -float(value[1]) and float(value[1]) > 0:
        return float(value[1])
    raise UserError(f"{source}: {what} must be null, a positive number or a symmetric range [-c, c], got {value}")
