"""What the simulated model brings, for the report: its file and physics step, the edits the task
made to it (model_edits: actuators replaced, foot sensors added), the passive joint properties
it adds on its own (damping, friction loss, armature, stiffness), and whether the policy's PD
damping is stable as an explicit law at this physics step.

The PD law runs explicitly once per physics step (its damping uses the step's starting velocity),
so a joint with kd dt / I > 2, I its smallest effective inertia (1 / (M^-1)_jj at the reset pose,
armature included, the base free), overshoots more every step and only the torque limit bounds
it; between 1 and 2 the damping reverses the velocity every step. Isaac Lab's ImplicitActuator
and MuJoCo position servos under the implicitfast integrator treat the damping implicitly and
have no such limit; a real motor runs its PD loop at several kHz.
"""

from collections import Counter

import mujoco
import numpy as np

from legged_mjx.model_edits import passive_joint_properties

UNITS = {"damping": "N m s/rad", "frictionloss": "N m", "armature": "kg m^2", "stiffness": "N m/rad"}


def effective_inertia(model: mujoco.MjModel, qpos: np.ndarray, dof_adr: np.ndarray) -> np.ndarray:
    """(J,) kg m^2: 1 / (M^-1)_jj of the given dofs at `qpos`: the inertia a torque on joint j
    alone meets with every other dof (the floating base included) free."""
    data = mujoco.MjData(model)
    data.qpos[:] = qpos
    mujoco.mj_forward(model, data)
    unit = np.zeros((len(dof_adr), model.nv))
    unit[np.arange(len(dof_adr)), dof_adr] = 1.0
    solved = np.zeros_like(unit)
    mujoco.mj_solveM(model, data, solved, unit)
    return 1.0 / solved[np.arange(len(dof_adr)), dof_adr]


def explicit_damping(task) -> dict:
    """{joint: kd dt / I} of the joints of a joint-position task where it exceeds 1 (see the
    module docstring); {} for other tasks."""
    actuators = getattr(task, "actuators", None)
    if actuators is None:
        return {}
    joints = task.action_joints
    inertia = effective_inertia(task.mj_model, task.initial_qpos(), joints.dof_adr)
    ratio = actuators.kd * task.mj_model.opt.timestep / inertia
    return {name: round(float(r), 2) for name, r in zip(joints.names, ratio) if r > 1.0}


def _passive_line(key: str, values: dict) -> str:
    groups = Counter(f"{v:g}" for v in values.values())
    return f"joint {key} ({UNITS[key]}): " + ", ".join(f"{value} on {n}" for value, n in groups.items())


def model_facts(task) -> dict:
    """The report's `model` section and its notes (one line each)."""
    model = task.mj_model
    passive = passive_joint_properties(model, task.joints.names)
    damping = explicit_damping(task)
    notes = list(task.model_notes)
    notes += [f"model adds {_passive_line(key, values)}" for key, values in passive.items()]
    unstable = {name: r for name, r in damping.items() if r > 2.0}
    if unstable:
        worst = max(unstable, key=unstable.get)
        notes.append(
            f"explicit PD unstable (kd dt / I > 2) on {len(unstable)} joints at dt {model.opt.timestep:g} s,"
            f" worst {worst} ({unstable[worst]:g}): their damping overshoots every physics step"
            " (Isaac Lab's implicit actuators and MuJoCo servos under implicitfast do not)"
        )
    return {
        "xml_path": task.cfg.env.xml_path,
        "timestep_s": model.opt.timestep,
        "decimation": task.cfg.env.decimation,
        "integrator": mujoco.mjtIntegrator(model.opt.integrator).name,
        "cone": mujoco.mjtCone(model.opt.cone).name,
        "edits": list(task.model_notes),
        "passive": passive,
        "explicit_damping_ratio": damping,
        "notes": notes,
    }
