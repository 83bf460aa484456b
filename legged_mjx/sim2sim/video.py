"""A video (animated WebP, written with Pillow) of recorded base poses, rendered with MuJoCo's
offscreen renderer. The OpenGL backend is chosen by MUJOCO_GL when mujoco is first imported
(sim2sim.py defaults it to egl; osmesa is the software fallback); without a usable one the run
stops before simulating, with a one-line message.
"""

import os

import mujoco
import numpy as np
from PIL import Image

from legged_mjx.errors import UserError

SIZE = (240, 320)  # height, width of one environment's view (pixels)


def open_renderer(model: mujoco.MjModel, height: int = SIZE[0], width: int = SIZE[1]) -> mujoco.Renderer:
    """An offscreen renderer, or a UserError saying which OpenGL backend failed and what to try."""
    backend = os.environ.get("MUJOCO_GL", "") or "glfw (default)"
    try:
        return mujoco.Renderer(model, height, width)
    except Exception as error:  # noqa: BLE001 - GL failures surface as many exception types
        reason = " ".join(str(error).split())[:160] or type(error).__name__
        raise UserError(
            f"--video needs an OpenGL context and MUJOCO_GL={backend} gave none ({reason}); "
            "use MUJOCO_GL=egl (GPU or Mesa EGL) or MUJOCO_GL=osmesa (libOSMesa), or drop --video"
        ) from None


def check_rendering(model: mujoco.MjModel) -> None:
    """Fail fast, before a long run, if no frame could be rendered."""
    open_renderer(model, 8, 8).close()


def render_video(model: mujoco.MjModel, qpos: np.ndarray, target, dt: float, stride: int = 4) -> int:
    """Render qpos (T, E, nq) as one animated WebP with the E environments side by side, a camera following
    each base; every `stride`-th control step (dt s apart). `target`: a path or a binary file.
    Returns the number of frames."""
    renderer = open_renderer(model)
    data = mujoco.MjData(model)
    camera = mujoco.MjvCamera()
    camera.distance, camera.azimuth, camera.elevation = 1.6, 135.0, -20.0
    frames = []
    try:
        for poses in qpos[::stride]:
            views = []
            for pose in poses:
                data.qpos[:] = pose
                mujoco.mj_forward(model, data)
                camera.lookat[:] = pose[:3]
                renderer.update_scene(data, camera)
                views.append(renderer.render())
            frames.append(Image.fromarray(np.concatenate(views, axis=1)))
    finally:
        renderer.close()
    period_ms = int(1000 * dt * stride)
    frames[0].save(
        target, format="WEBP", save_all=True, append_images=frames[1:], duration=period_ms, loop=0, quality=70
    )
    return len(frames)
