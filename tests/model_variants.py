"""MJCFs written by the tests: the kinds of robot models users bring (third-party Go2 models laid
out as MuJoCo Menagerie's is, a toy two-legged robot with its own description), so that the tools'
handling of foreign models is tested without copying third-party files."""

import re

from legged_mjx.model import asset_path

TOY_DESCRIPTION = """\
name: toy
mjcf: toy.xml
base_body: base
spawn_height: 0.25
isaac_sim_dt: 0.005
joint_orders:
  unitree_sdk: [b_joint, a_joint]
  mjcf: [a_joint, b_joint]
default_joint_pos: {a_joint: 0.1, b_joint: -0.1}
default_gains: {kp: {a_joint: 30.0, b_joint: 20.0}, kd: 0.5}
feet:
  - {name: a, geoms: "a_(foot|toe)"}
  - {name: b, geoms: "b_(foot|toe)"}
fall: {base_height: 0.05, tilt_deg: 60.0}
"""

TOY_ACTUATORS = {
    "in order": '<motor joint="a_joint" ctrlrange="-5 5"/><motor joint="b_joint" ctrlrange="-7 7"/>',
    "reversed": '<motor joint="b_joint" ctrlrange="-7 7"/><motor joint="a_joint" ctrlrange="-5 5"/>',
    "position servos": '<position joint="a_joint" kp="50" forcerange="-5 5"/><position joint="b_joint" kp="50"/>',
    "none": "",
}


def toy_robot(folder, actuators: str = "in order", timestep: float = 0.005, cone: str = "pyramidal", extra: str = ""):
    """(robot.yaml path, scene path) of a 2-joint walker: a free box with two hinged legs, each
    ending in a foot sphere and a toe sphere (two collision geoms per foot); `actuators` is a key of
    TOY_ACTUATORS; no sensors; b_joint carries damping 0.2 and an actuatorfrcrange of 6 N m."""
    (folder / "robot.yaml").write_text(TOY_DESCRIPTION)
    (folder / "toy.xml").write_text(f"""\
<mujoco model="toy">
  <option timestep="{timestep}" cone="{cone}"/>
  <worldbody>
    <geom name="floor" type="plane" size="0 0 1" friction="0.9"/>
    <body name="base" pos="0 0 0.25">
      <freejoint/>
      <geom type="box" size="0.12 0.06 0.03" mass="2"/>
      <body name="a_link" pos="0.09 0 -0.03">
        <joint name="a_joint" axis="0 1 0" range="-1.5 1.5"/>
        <geom type="capsule" fromto="0 0 0 0 0 -0.18" size="0.015" mass="0.3" contype="0" conaffinity="0"/>
        <geom name="a_foot" type="sphere" pos="0 0 -0.19" size="0.02" mass="0.05"/>
        <geom name="a_toe" type="sphere" pos="0.03 0 -0.19" size="0.02" mass="0.01"/>
      </body>
      <body name="b_link" pos="-0.09 0 -0.03">
        <joint name="b_joint" axis="0 1 0" range="-1.5 1.5" damping="0.2" actuatorfrcrange="-6 6"/>
        <geom type="capsule" fromto="0 0 0 0 0 -0.18" size="0.015" mass="0.3" contype="0" conaffinity="0"/>
        <geom name="b_foot" type="sphere" pos="0 0 -0.19" size="0.02" mass="0.05"/>
        <geom name="b_toe" type="sphere" pos="0.03 0 -0.19" size="0.02" mass="0.01"/>
      </body>
    </body>
  </worldbody>
  <actuator>{TOY_ACTUATORS[actuators]}</actuator>
  {extra}
</mujoco>
""")
    return str(folder / "robot.yaml"), str(folder / "toy.xml")


def _leg_blocks(text: str) -> tuple[str, dict, str]:
    """(text before the legs, {leg: its <body> block}, text after) of assets/go2/go2.xml."""
    pattern = re.compile(r'      <body name="(FL|FR|RL|RR)_hip".*?\n      </body>\n', re.S)
    blocks = {m.group(1): m.group(0) for m in pattern.finditer(text)}
    first, last = pattern.search(text).start(), list(pattern.finditer(text))[-1].end()
    return text[:first], blocks, text[last:]


def go2_variant(folder, legs=("FR", "FL", "RR", "RL"), damping=0.0, frictionloss=0.0, menagerie=False, timestep=None):
    """A Go2 scene written from assets/go2/go2.xml's figures, changed as other people's Go2 models
    are: legs (hence joints) in the order `legs`, joint damping and friction loss, no sensors of
    ours, actuators listed FR, FL, RR, RL; with `menagerie`, as MuJoCo Menagerie's is laid out:
    foot geoms named FL..RR with condim 6 and priority 1, no foot sites, elliptic cones with
    impratio 100, every geom colliding (trunk, hips, thighs), an unnamed free joint and a
    visual mesh. Returns the scene path."""
    text = open(asset_path("go2", "go2.xml")).read()
    head, blocks, tail = _leg_blocks(text)
    text = head + "".join(blocks[leg] for leg in legs) + tail
    text = re.sub(r"<sensor>.*?</sensor>", "", text, flags=re.S)
    actuators = "".join(
        f'<motor name="{leg}_{part}" joint="{leg}_{part}_joint" class="{cls}"/>'
        for leg in ("FR", "FL", "RR", "RL")
        for part, cls in (
            ("hip", "abduction"),
            ("thigh", "front_thigh" if leg[0] == "F" else "rear_thigh"),
            ("calf", "knee"),
        )
    )
    text = re.sub(r"<actuator>.*?</actuator>", f"<actuator>{actuators}</actuator>", text, flags=re.S)
    text = text.replace('damping="0" frictionloss="0"', f'damping="{damping}" frictionloss="{frictionloss}"')
    if timestep is not None:
        text = text.replace('timestep="0.005"', f'timestep="{timestep}"')
    if menagerie:
        text = text.replace('cone="pyramidal"', 'cone="elliptic" impratio="100"')
        text = text.replace('<freejoint name="base"/>', "<freejoint/>")
        text = re.sub(
            r'<geom name="(FL|FR|RL|RR)_foot" class="foot"/>',
            r'<geom name="\1" class="foot" condim="6" priority="1"/>',
            text,
        )
        text = re.sub(r'\s*<site name="(FL|FR|RL|RR)_foot" class="foot"/>', "", text)
        text = text.replace(
            '<geom contype="0" conaffinity="0" group="2"', '<geom contype="1" conaffinity="1" group="2"'
        )
        text = text.replace(
            'contype="0" conaffinity="1" condim="3"', 'contype="1" conaffinity="1" condim="3"'
        )  # feet too: everything collides with everything, as in Menagerie's
        mesh = '<asset><mesh name="shell" vertex="0 0 0 0.1 0 0 0 0.1 0 0 0 0.1"/></asset>'
        text = text.replace("<worldbody>", mesh + "<worldbody>", 1)
        text = text.replace(
            '<geom name="trunk"',
            '<geom type="mesh" mesh="shell" contype="0" conaffinity="0" group="1"/>\n      <geom name="trunk"',
        )
    (folder / "go2.xml").write_text(text)
    (folder / "scene.xml").write_text(open(asset_path("go2", "scene.xml")).read())
    return str(folder / "scene.xml")
