"""Robot descriptions: a robot is data, a `robot.yaml` beside its MJCF (`assets/<robot>/robot.yaml`
for the robots that ship: go2, g1), read into a `RobotDescription`.

A description says what the tools need to know about a robot beyond its MJCF: its joints in each
convention's order (`joint_orders`: `unitree_sdk` is the motor index order a deploy.yaml's
`joint_ids_map` refers to, `isaac` Isaac Lab's articulation order, which an env.yaml does not
store), its base body, its feet (geom and site names as regexes, so that third-party models with
other names are found), its standing pose, the PD gains to use where an export gives none, what a
fall is, its spawn height and the physics step Isaac Lab's velocity tasks use for it. docs/robots.md
has the schema; adding a robot is a folder with a robot.yaml and an MJCF, no Python.
"""

import functools
import glob
import os
import re
from dataclasses import dataclass

import yaml

from legged_mjx.errors import UserError
from legged_mjx.model import ASSETS_DIR

DESCRIPTION_FILE = "robot.yaml"


@dataclass(frozen=True)
class Foot:
    name: str  # e.g. "FL", "left"
    geoms: str  # regex (full match) of the foot's collision geoms
    site: str | None = None  # regex of a site at the sole (foot velocity); None: the first foot geom

    @property
    def contact_sensor(self) -> str:
        """The foot's contact sensor, taken from the MJCF where it has one and added otherwise."""
        return f"{self.name}_foot_contact"

    @property
    def velocity_sensor(self) -> str:
        """The foot's world-frame velocity sensor (framelinvel), likewise."""
        return f"{self.name}_foot_vel"


@dataclass(frozen=True)
class RobotDescription:
    name: str
    path: str  # the robot.yaml
    mjcf: str  # absolute path of the scene (robot + floor)
    base_body: str
    joint_orders: dict  # convention -> joint names (the same joints in every order)
    feet: tuple  # Foot
    default_joint_pos: dict  # joint regex -> rad (standing pose)
    default_gains: dict  # {"kp": value, "kd": value}, each a number or {joint regex: value}
    fall_base_height: float  # m: the base below this is a fall
    fall_tilt_deg: float  # deg: |roll| or |pitch| beyond this is a fall
    spawn_height: float  # m: base height at reset
    isaac_sim_dt: float  # s: physics step of Isaac Lab's velocity tasks for this robot

    @property
    def joints(self) -> list:
        """The robot's joints in the description's first order (the canonical one)."""
        return list(next(iter(self.joint_orders.values())))

    def joint_names(self, order: str, needed_by: str = "") -> list:
        """The joints in a convention's order; an order the description lacks is a UserError."""
        if order not in self.joint_orders:
            why = f" ({needed_by} needs it)" if needed_by else ""
            known = ", ".join(self.joint_orders)
            raise UserError(f"unknown joint order '{order}' for robot {self.name}{why} (known: {known}; {self.path})")
        return list(self.joint_orders[order])

    def per_joint(self, value, joint_names: list, what: str) -> list:
        """A value per joint of `joint_names` from a number or a {joint regex: value} mapping
        (each joint full-matches exactly one key)."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return [float(value)] * len(joint_names)
        values = []
        for name in joint_names:
            hits = [key for key in value if re.fullmatch(key, name)]
            if len(hits) != 1:
                raise UserError(f"{self.path}: {what} matches joint {name} with {len(hits)} keys (need exactly one)")
            values.append(float(value[hits[0]]))
        return values

    def default_pose(self, joint_names: list) -> list:
        """The standing pose (rad) of `joint_names`; joints no key matches stand at 0."""
        pose = []
        for name in joint_names:
            hits = [float(v) for key, v in self.default_joint_pos.items() if re.fullmatch(key, name)]
            if len(hits) > 1:
                raise UserError(f"{self.path}: default_joint_pos matches joint {name} with more than one key")
            pose.append(hits[0] if hits else 0.0)
        return pose


def _require(data: dict, key: str, kind, path: str):
    if key not in data:
        raise UserError(f"{path}: missing '{key}'")
    value = data[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise UserError(f"{path}: '{key}' has the wrong type ({type(value).__name__})")
    return value


def _number(data: dict, key: str, path: str, positive: bool = True) -> float:
    value = float(_require(data, key, (int, float), path))
    if positive and not value > 0:
        raise UserError(f"{path}: '{key}' must be > 0, got {value}")
    return value


def _orders(data: dict, path: str) -> dict:
    orders = _require(data, "joint_orders", dict, path)
    if not orders:
        raise UserError(f"{path}: joint_orders is empty")
    first = None
    for name, joints in orders.items():
        if (
            not isinstance(joints, list)
            or not all(isinstance(j, str) for j in joints)
            or len(set(joints)) != len(joints)
        ):
            raise UserError(f"{path}: joint_orders.{name} must be a list of distinct joint names")
        if first is not None and sorted(joints) != sorted(first):
            raise UserError(f"{path}: joint_orders.{name} does not hold the same joints as the first order")
        first = first or joints
    return {name: tuple(joints) for name, joints in orders.items()}


def _feet(data: dict, path: str) -> tuple:
    feet = _require(data, "feet", list, path)
    if not feet:
        raise UserError(f"{path}: feet is empty")
    result = []
    for i, foot in enumerate(feet):
        if (
            not isinstance(foot, dict)
            or not isinstance(foot.get("name"), str)
            or not isinstance(foot.get("geoms"), str)
        ):
            raise UserError(f"{path}: feet[{i}] needs name and geoms (a regex of the foot's collision geoms)")
        for key in ("geoms", "site"):
            try:
                re.compile(foot.get(key) or "")
            except re.error as error:
                raise UserError(f"{path}: feet[{i}].{key} is not a regex: {error}") from None
        result.append(Foot(foot["name"], foot["geoms"], foot.get("site")))
    return tuple(result)


def read_description(path: str) -> RobotDescription:
    """The RobotDescription in a robot.yaml; a missing or malformed file is a UserError."""
    if not os.path.isfile(path):
        raise UserError(f"robot description not found: {path}")
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except yaml.YAMLError as error:
        raise UserError(f"cannot parse {path}: {' '.join(str(error).split())}") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a YAML mapping at the top level")
    fall = _require(data, "fall", dict, path)
    gains = _require(data, "default_gains", dict, path)
    if set(gains) != {"kp", "kd"}:
        raise UserError(f"{path}: default_gains needs kp and kd (a number or {{joint regex: value}} each)")
    description = RobotDescription(
        name=str(_require(data, "name", str, path)),
        path=os.path.abspath(path),
        mjcf=os.path.join(os.path.dirname(os.path.abspath(path)), _require(data, "mjcf", str, path)),
        base_body=_require(data, "base_body", str, path),
        joint_orders=_orders(data, path),
        feet=_feet(data, path),
        default_joint_pos=dict(_require(data, "default_joint_pos", dict, path)),
        default_gains=dict(gains),
        fall_base_height=_number(fall, "base_height", f"{path} fall"),
        fall_tilt_deg=_number(fall, "tilt_deg", f"{path} fall"),
        spawn_height=_number(data, "spawn_height", path),
        isaac_sim_dt=_number(data, "isaac_sim_dt", path),
    )
    for key in ("kp", "kd"):  # every joint has a gain
        description.per_joint(gains[key], description.joints, f"default_gains.{key}")
    description.default_pose(description.joints)
    return description


def description_paths() -> dict:
    """{robot name (its folder under assets/): robot.yaml path} of the robots that ship."""
    paths = sorted(glob.glob(os.path.join(ASSETS_DIR, "*", DESCRIPTION_FILE)))
    return {os.path.basename(os.path.dirname(p)): p for p in paths}


@functools.cache
def load_robot(name_or_path: str) -> RobotDescription:
    """A shipped robot by name (`go2`, `g1`), or a robot.yaml by path."""
    if name_or_path.endswith((".yaml", ".yml")) or os.sep in name_or_path:
        return read_description(name_or_path)
    paths = description_paths()
    if name_or_path not in paths:
        raise UserError(f"unknown robot '{name_or_path}' (known: {', '.join(paths)}; or the path of a robot.yaml)")
    return read_description(paths[name_or_path])


def shipped_robots() -> list:
    return [load_robot(name) for name in description_paths()]


def recognise_robot(source: str, *, joint_count: int | None = None, joint_names=None, joint_patterns=None):
    """The shipped robot an export is for, from what its file says: the number of joints (a
    deploy.yaml's joint_ids_map), their names (a profile) or regexes that must each match one of
    its joints (an env.yaml's default pose). No match, or several, is a UserError that points to
    --robot."""

    def fits(robot: RobotDescription) -> bool:
        joints = robot.joints
        if joint_count is not None and joint_count != len(joints):
            return False
        if joint_names is not None and sorted(joint_names) != sorted(joints):
            return False
        try:
            return joint_patterns is None or all(any(re.fullmatch(p, j) for j in joints) for p in joint_patterns)
        except re.error as error:
            raise UserError(f"{source}: bad joint regex: {error}") from None

    robots = shipped_robots()
    matches = [robot for robot in robots if fits(robot)]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(f"{r.name} ({len(r.joints)} joints)" for r in robots)
    if joint_count is not None:
        what = f"{joint_count} joints"
    elif joint_names is not None:
        what = f"joints {', '.join(joint_names)}"
    else:
        what = f"joints matching {', '.join(joint_patterns or [])}"
    verdict = "fit several robots" if matches else "fit no shipped robot"
    raise UserError(f"{source}: {what} {verdict} ({known}); name it with --robot NAME or --robot path/robot.yaml")
