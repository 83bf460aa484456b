"""Unitree Go2 on Isaac Lab's rough terrain (docs/terrain.md): go2-velocity's MDP (Isaac Lab's
velocity MDP with unitree_rl_lab's Go2 weights) with the height scan, Isaac Lab's rough-terrain
terminations, spawn and terrain curriculum. A JointPositionTask configuration, no code of its own.

Why go2-velocity's MDP and not go2_train's (the `go2` task): on the 2-core CPU, go2-velocity reaches
full-length episodes within 50 iterations, `go2` needs more than 700; three CPU runs of go2_train's
MDP on this terrain ended nearly every episode by base contact and drove the mean terrain level from
2.5 to 0 in 90 iterations (docs/terrain.md, "Decisions"). `go2 --terrain rough` still gives
go2_train's MDP on rough ground.
"""

from legged_mjx.observations import ObsTerm
from legged_mjx.task import TaskCfg
from legged_mjx.tasks.go2_velocity import OBS_CLIP, critic_terms, go2_velocity_config, policy_terms
from legged_mjx.terrain.config import TerrainCfg
from legged_mjx.terrain.presets import terrain_preset


def go2_rough_config() -> TaskCfg:
    """go2-velocity plus, as Isaac Lab's UnitreeGo2RoughEnvCfg: the policy sees the base's linear
    velocity first (its 48 flat terms, in its order) and the height scan last (187 values clipped to
    +-1): 235 values; the critic sees go2-velocity's 60 and the scan: 247. Episodes end on base
    contact (the trunk reaching the ground) or a tilt beyond 45.8 deg (unitree_rl_lab's
    bad_orientation, 0.8 rad: a 0.4 slope is 21.8 deg). Robots spawn at a sub-terrain origin + U(+-0.5
    m) with a heading U(+-3.14 rad), and terrain_levels_vel moves them between rows."""
    cfg = go2_velocity_config()
    # Feet clear of the ground at reset: from 0.30 m they start 3 cm deep, which a plane resolves but a
    # heightfield may not (a foot sphere inside a prism is pushed out through its side).
    cfg.env.spawn_height = 0.35
    cfg.env.base_contact_geoms = ["trunk"]  # Isaac Lab: base_contact (illegal_contact on "base", 1 N), by geometry
    cfg.env.min_base_height = None  # go2-velocity's stand-in for base contact, replaced by the real thing
    scan = ObsTerm("height_scan", clip=1.0)
    cfg.obs.groups = {
        "policy": [ObsTerm("base_lin_vel", 1.0, OBS_CLIP), *policy_terms(), scan],
        "critic": [*critic_terms(), scan],
    }
    cfg.terrain = TerrainCfg(generator=terrain_preset("rough"), spawn_xy=0.5, spawn_yaw=3.14)
    return cfg
