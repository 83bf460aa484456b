"""Offscreen frames of robot poses and their encodings: MuJoCo's Renderer with a camera that follows
each environment's base, environments side by side in one frame; MP4 through imageio's ffmpeg
plugin (imageio-ffmpeg ships the ffmpeg binary), animated GIF for TensorBoard.

The OpenGL backend is chosen by MUJOCO_GL when mujoco is first imported: egl (a GPU, or Mesa's
software EGL) or osmesa (libOSMesa) work headless. Without a usable one, rendering stops with a
one-line UserError naming both.
"""

import contextlib
import io
import os
import warnings

import mujoco
import numpy as np

from legged_mjx.errors import UserError
from legged_mjx.files import atomic_path

SIZE = (240, 320)  # height, width of one environment's view (pixels); multiples of 16 for H.264


def open_renderer(model: mujoco.MjModel, height: int, width: int, purpose: str, instead: str) -> mujoco.Renderer:
    """An offscreen renderer, or a UserError: `purpose` needs OpenGL, which backends to try, or `instead`."""
    backend = os.environ.get("MUJOCO_GL", "") or "glfw (default)"
    try:
        with warnings.catch_warnings():  # glfw warns on stderr before failing; the error below says it all
            warnings.simplefilter("ignore")
            return mujoco.Renderer(model, height, width)
    except Exception as error:  # noqa: BLE001 - GL failures surface as many exception types
        reason = " ".join(str(error).split())[:160] or type(error).__name__
        raise UserError(
            f"{purpose} needs an OpenGL context and MUJOCO_GL={backend} gave none ({reason}); "
            f"use MUJOCO_GL=egl (GPU or Mesa EGL) or MUJOCO_GL=osmesa (libOSMesa), or {instead}"
        ) from None


def check_rendering(model: mujoco.MjModel, purpose: str, instead: str) -> None:
    """Fail fast, before anything long starts, if no frame could be rendered."""
    open_renderer(model, 8, 8, purpose, instead).close()


class PoseRenderer:
    """Frames (H, E * W, 3) uint8 of E environments' poses qpos (E, nq) side by side, each seen by
    a camera 1.6 m away that follows its base; no shadows or reflections (cheaper without a GPU)."""

    def __init__(self, model: mujoco.MjModel, purpose: str, instead: str, size: tuple = SIZE):
        self.model = model
        self.renderer = open_renderer(model, *size, purpose, instead)
        # without shadows and reflections a 320 x 240 view takes 29 ms instead of 113 ms in Mesa's software EGL
        self.renderer.scene.flags[mujoco.mjtRndFlag.mjRND_SHADOW] = False
        self.renderer.scene.flags[mujoco.mjtRndFlag.mjRND_REFLECTION] = False
        self.data = mujoco.MjData(model)
        self.camera = mujoco.MjvCamera()
        self.camera.distance, self.camera.azimuth, self.camera.elevation = 1.6, 135.0, -20.0

    def frame(self, poses: np.ndarray) -> np.ndarray:
        views = []
        for pose in poses:
            self.data.qpos[:] = pose
            mujoco.mj_forward(self.model, self.data)
            self.camera.lookat[:] = pose[:3]
            self.renderer.update_scene(self.data, self.camera)
            views.append(self.renderer.render())
        return np.concatenate(views, axis=1)

    def close(self) -> None:
        self.renderer.close()

    def __enter__(self) -> "PoseRenderer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextlib.contextmanager
def mp4_writer(path: str, fps: float):
    """Yield append(frame) writing an H.264 MP4 to a temporary file, renamed to `path` on success."""
    import imageio.v2 as imageio

    with atomic_path(path) as tmp, warnings.catch_warnings():
        # the ffmpeg process is forked and at once exec'd: JAX's warning about forking threads does not apply
        warnings.filterwarnings("ignore", message=r"os\.fork\(\) was called", category=RuntimeWarning)
        writer = imageio.get_writer(tmp, format="FFMPEG", mode="I", fps=fps, codec="libx264", macro_block_size=16)
        try:
            yield writer.append_data
        finally:
            writer.close()


def gif_bytes(frames: list, fps: float) -> bytes:
    """An animated GIF (looping) of uint8 RGB frames."""
    from PIL import Image

    images = [Image.fromarray(frame) for frame in frames]
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=1000 / fps, loop=0)
    return buffer.getvalue()
