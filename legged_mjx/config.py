"""Config plumbing: dataclasses <-> plain dicts, overrides by name (run folders: run_folders.py).

Overrides are `{key: value}` where key is `section.field` (sections: env, obs, reward, command,
domain_rand, terrain) or a bare field name that exists in exactly one section (`GCR`, `spcf`,
`action_scale`), or `section.field.key...` into a mapping-valued field (`terrain.generator.num_rows`).
A value must have the type the field is annotated with (ints pass as floats) and lie in its physical range
(LIMITS); anything else is a UserError, and an unknown key names the nearest known one. A terrain
generator is checked as soon as it is set.
"""

import dataclasses
import difflib
import math
import types

import yaml

from legged_mjx.errors import UserError
from legged_mjx.observations import ObsTerm
from legged_mjx.terrain.config import TerrainGeneratorCfg

SECTIONS = ("env", "obs", "reward", "command", "domain_rand", "terrain")


def _positive(value) -> bool:
    return value > 0


def _range(value) -> bool:
    return value is None or (len(value) == 2 and 0 < value[0] <= value[1])


def _ordered(value) -> bool:
    return value is None or (len(value) == 2 and value[0] <= value[1])


def _half_widths(value) -> bool:
    return value is None or (len(value) == 6 and all(v >= 0 for v in value))


# field name (any section) -> (test, what it needs); NaN fails every test
LIMITS = {
    "sim_dt": (_positive, "> 0"),
    "decimation": (_positive, ">= 1"),
    "episode_length_s": (_positive, "> 0"),
    "action_clip": (_positive, "> 0"),
    "friction_scale": (_positive, "> 0"),
    "mass_scale": (_positive, "> 0"),
    "resample_s": (_positive, "> 0"),
    "GCR": (_positive, "> 0"),
    "GCR_range": (_range, "two values 0 < LO <= HI"),
    "spcf": (lambda v: v >= 0, ">= 0"),
    "spcf_range": (lambda v: v is None or (len(v) == 2 and 0 <= v[0] <= v[1]), "two values 0 <= LO <= HI"),
    "femur_length": (_positive, "> 0 (m)"),
    "tibia_length": (_positive, "> 0 (m)"),
    "femur_length_range": (_range, "two values 0 < LO <= HI (m)"),
    "tibia_length_range": (_range, "two values 0 < LO <= HI (m)"),
    "length_buckets": (lambda v: v >= 2, ">= 2"),
    "design_order": (lambda v: v in ("random", "cycle"), "random or cycle"),
    "drag": (lambda v: v >= 0, ">= 0"),
    "friction_range": (_range, "two values 0 < LO <= HI"),
    "added_base_mass_range": (_ordered, "two values LO <= HI (kg)"),
    "gain_range": (_range, "two values 0 < LO <= HI"),
    "model_buckets": (lambda v: v >= 2, ">= 2"),
    "reset_base_velocity": (_half_widths, "six half-widths >= 0 (vx vy vz wx wy wz)"),
    "reset_joint_pos_scale": (_range, "two values 0 < LO <= HI"),
    "push_interval_s": (_range, "two values 0 < LO <= HI (s)"),
    "push_velocity": (lambda v: v >= 0, ">= 0"),
    "spawn_xy": (lambda v: v >= 0, ">= 0 (m)"),
    "spawn_yaw": (lambda v: v >= 0, ">= 0 (rad)"),
    "height_scan_resolution": (_positive, "> 0 (m)"),
    "height_scan_offset": (math.isfinite, "finite (m)"),
    "max_init_terrain_level": (lambda v: v is None or v >= 0, ">= 0 or null"),
    "soft_joint_pos_limit_factor": (lambda v: 0 < v <= 1, "in (0, 1]"),
    "min_base_height": (lambda v: v is None or v >= 0, ">= 0 m or null"),
    "rel_standing_envs": (lambda v: 0 <= v <= 1, "in [0, 1]"),
}


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
        field_name = name.split(".", 1)[0]
        if section in SECTIONS and field_name in _field_names(getattr(cfg, section)):
            return section, name  # a key inside a mapping-valued field
    else:
        owners = [s for s in SECTIONS if key in _field_names(getattr(cfg, s))]
        if len(owners) == 1:
            return owners[0], key
        if owners:
            raise UserError(f"config key '{key}' is ambiguous: use one of {', '.join(f'{s}.{key}' for s in owners)}")
    known = [f"{s}.{n}" for s in SECTIONS for n in sorted(_field_names(getattr(cfg, s)))]
    bare = {k.split(".", 1)[1]: k for k in known}
    nearest = difflib.get_close_matches(key, known, n=1, cutoff=0.6) or [
        bare[m] for m in difflib.get_close_matches(key, list(bare), n=1, cutoff=0.6)
    ]
    hint = f"did you mean {nearest[0]}?" if nearest else f"sections: {', '.join(SECTIONS)}"
    raise UserError(f"unknown config key '{key}' ({hint})")


def parse_value(text: str):
    """A CLI value as YAML (numbers, lists, booleans), also reading `3e-4` as a float (YAML 1.1 would not)."""
    value = yaml.safe_load(text)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _accepts(annotation, value) -> bool:
    """Whether `value` fits a field annotated `annotation` (float also takes int; bool is no number)."""
    if isinstance(annotation, types.UnionType):
        return any(_accepts(member, value) for member in annotation.__args__)
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation is type(None):
        return value is None
    return not isinstance(annotation, type) or isinstance(value, annotation)


def _coerce(key: str, value, field: dataclasses.Field):
    """A CLI string parsed (unless the field is a string), type-checked against the field's
    annotation and range-checked (LIMITS); ints become floats in float fields."""
    if isinstance(value, str) and field.type is not str:
        value = parse_value(value)
    if not _accepts(field.type, value):
        wanted = getattr(field.type, "__name__", str(field.type))
        raise UserError(f"config key '{key}' needs a value of type {wanted}, got {value!r}")
    if isinstance(value, int) and not isinstance(value, bool) and _accepts(field.type, 0.5):
        value = float(value)
    if field.name in LIMITS and not _within(LIMITS[field.name][0], value):
        raise UserError(f"config key '{key}' must be {LIMITS[field.name][1]}, got {value!r}")
    return value


def _within(test, value) -> bool:
    try:
        return bool(test(value)) and not (isinstance(value, float) and math.isnan(value))
    except TypeError:  # e.g. a GCR_range with strings in it
        return False


def _obs_groups(groups: dict) -> dict:
    return {g: [t if isinstance(t, ObsTerm) else ObsTerm(**t) for t in terms] for g, terms in groups.items()}


def apply_overrides(cfg, overrides: dict):
    """Set config fields in place from `{key: value}`; returns cfg."""
    for key, value in overrides.items():
        section_name, name = _resolve(cfg, key)
        section = getattr(cfg, section_name)
        name, _, path = name.partition(".")
        field = next(f for f in dataclasses.fields(section) if f.name == name)
        if path:
            value = _nested(getattr(section, name), path, value, f"{section_name}.{name}.{path}")
        value = _coerce(f"{section_name}.{name}", value, field)
        if section_name == "obs" and name == "groups":
            value = _obs_groups(value)
        if section_name == "terrain" and name == "generator" and value is not None:
            TerrainGeneratorCfg.from_dict(value)  # a bad terrain is reported now, not when the task is built
        setattr(section, name, value)
    return cfg


def _nested(mapping, path: str, value, key: str) -> dict:
    """A copy of `mapping` with the entry at dotted `path` set to `value` (a CLI string parsed);
    every key on the way must exist, the last may be new."""
    if not isinstance(mapping, dict):
        raise UserError(f"config key '{key}' sets a key inside {mapping!r}, which is not a mapping")
    copy = dict(mapping)
    head, _, rest = path.partition(".")
    if rest:
        if head not in copy:
            raise UserError(
                f"unknown config key '{key}' (no '{head}' in {', '.join(map(str, copy)) or 'an empty mapping'})"
            )
        copy[head] = _nested(copy[head], rest, value, key)
    else:
        copy[head] = parse_value(value) if isinstance(value, str) else value
    return copy


def load_sections(cfg, saved: dict):
    """Overwrite cfg's sections with a saved plain-dict copy (as written by to_dict); returns cfg."""
    for section_name in SECTIONS:
        for name, value in saved.get(section_name, {}).items():
            apply_overrides(cfg, {f"{section_name}.{name}": value})
    return cfg
