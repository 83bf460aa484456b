"""Config plumbing: dataclasses <-> plain dicts, overrides by name, YAML/pickle next to each run.

Overrides are `{key: value}` where key is `section.field` (sections: env, obs, reward, command)
or a bare field name that exists in exactly one section (`GCR`, `spcf`, `action_scale`).
"""

import dataclasses
import os
import pickle

import yaml

from legged_mjx.errors import UserError
from legged_mjx.files import atomic_write
from legged_mjx.observations import ObsTerm

SECTIONS = ("env", "obs", "reward", "command")


def to_dict(cfg) -> dict:
    """A plain-dict copy of a (nested) config dataclass."""
    return dataclasses.asdict(cfg)


def _field_names(section) -> set:
    return {f.name for f in dataclasses.fields(section)}


def _resolve(cfg, key: str) -> tuple:
    if "." in key:
        section, name = key.split(".", 1)
        if section in SECTIONS and name in _field_names(getattr(cfg, section)):
            return section, name
        raise UserError(f"unknown config key '{key}'")
    owners = [s for s in SECTIONS if key in _field_names(getattr(cfg, s))]
    if len(owners) == 1:
        return owners[0], key
    if owners:
        raise UserError(f"config key '{key}' is ambiguous: use one of {', '.join(f'{s}.{key}' for s in owners)}")
    known = sorted(f"{s}.{n}" for s in SECTIONS for n in _field_names(getattr(cfg, s)))
    raise UserError(f"unknown config key '{key}' (known: {', '.join(known)})")


def parse_value(text: str):
    """A CLI value as YAML (numbers, lists, booleans), also reading `3e-4` as a float (YAML 1.1 would not)."""
    value = yaml.safe_load(text)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _coerce(value, current):
    """Parse CLI strings (unless the field is a string); ints become floats in float fields."""
    if isinstance(value, str) and not isinstance(current, str):
        value = parse_value(value)
    if isinstance(current, float) and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    return value


def _obs_groups(groups: dict) -> dict:
    return {g: [t if isinstance(t, ObsTerm) else ObsTerm(**t) for t in terms] for g, terms in groups.items()}


def apply_overrides(cfg, overrides: dict):
    """Set config fields in place from `{key: value}`; returns cfg."""
    for key, value in overrides.items():
        section_name, name = _resolve(cfg, key)
        section = getattr(cfg, section_name)
        value = _coerce(value, getattr(section, name))
        if section_name == "obs" and name == "groups":
            value = _obs_groups(value)
        setattr(section, name, value)
    return cfg


def load_sections(cfg, saved: dict):
    """Overwrite cfg's sections with a saved plain-dict copy (as written by to_dict); returns cfg."""
    for section_name in SECTIONS:
        for name, value in saved.get(section_name, {}).items():
            apply_overrides(cfg, {f"{section_name}.{name}": value})
    return cfg


def save_run_configs(log_dir: str, configs: dict) -> None:
    """cfgs.pkl (plain dicts, loadable without this code) and the same as readable cfgs.yaml."""
    atomic_write(os.path.join(log_dir, "cfgs.pkl"), lambda f: pickle.dump(configs, f))
    text = yaml.safe_dump(configs, sort_keys=False, default_flow_style=None, width=110)
    atomic_write(os.path.join(log_dir, "cfgs.yaml"), lambda f: f.write(text.encode()))
