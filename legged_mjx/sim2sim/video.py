"""A video (animated WebP, written with Pillow) of recorded base poses, rendered offscreen (see
legged_mjx/rendering.py). The OpenGL backend is chosen by MUJOCO_GL when mujoco is first imported
(sim2sim.py defaults it to egl; osmesa is the software fallback); without a usable one the run
stops before simulating, with a one-line message.
"""

import mujoco
import numpy as np
from PIL import Image

from legged_mjx import rendering

PURPOSE, INSTEAD = "--video", "drop --video"


def check_rendering(model: mujoco.MjModel) -> None:
    """Fail fast, before a long run, if no frame could be rendered."""
    rendering.check_rendering(model, PURPOSE, INSTEAD)


def render_video(model: mujoco.MjModel, qpos: np.ndarray, target, dt: float, stride: int = 4) -> int:
    """Render qpos (T, E, nq) as one animated WebP with the E environments side by side, a camera following
    each base; every `stride`-th control step (dt s apart). `target`: a path or a binary file.
    Returns the number of frames."""
    with rendering.PoseRenderer(model, PURPOSE, INSTEAD) as renderer:
        frames = [Image.fromarray(renderer.frame(poses)) for poses in qpos[::stride]]
    period_ms = int(1000 * dt * stride)
    frames[0].save(
        target, format="WEBP", save_all=True, append_images=frames[1:], duration=period_ms, loop=0, quality=70
    )
    return len(frames)
