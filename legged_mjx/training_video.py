"""Clips of the policy while it trains (train_ppo.py --video): every `interval` iterations, right
after rsl_rl logs the iteration, the current policy's mean action drives a separate small batch of
environments for `steps` control steps, filmed into <run>/videos/train_<it>.mp4 and added to
TensorBoard as an animated GIF (tag Video/policy, half size).

Training is not changed: the clip's environments have their own state and PRNG keys, the policy
only runs forward (no sampling, no normaliser update), and nothing runs in the iterations between
clips. A clip's time falls between two iterations, outside rsl_rl's collection and learning times.
"""

import os
import time

import numpy as np
from tensorboard.compat.proto.summary_pb2 import Summary

from legged_mjx.playback import rollout
from legged_mjx.rendering import PoseRenderer, gif_bytes, mp4_writer

FPS = 25.0
PURPOSE, INSTEAD = "--video", "drop --video"


class ClipRecorder:
    """Films the environments of `env` (a LeggedVecEnv of its own, a few) side by side; see the module docstring."""

    def __init__(self, env, folder: str, interval: int, steps: int):
        self.env, self.folder, self.interval, self.steps = env, folder, interval, steps
        self.stride = max(1, round(1.0 / (FPS * env.task.dt)))
        self.fps = 1.0 / (self.stride * env.task.dt)
        self.renderer = PoseRenderer(env.mj_model, PURPOSE, INSTEAD)
        self.seconds = []  # wall time of each clip

    def attach(self, runner) -> None:
        """Record after rsl_rl logs every `interval`-th iteration of `runner`."""
        log = runner.logger.log

        def log_and_record(*args, **kwargs):
            log(*args, **kwargs)
            if kwargs["it"] % self.interval == 0:
                self.record(kwargs["it"], runner.alg.get_policy(), runner.logger.writer)

        runner.logger.log = log_and_record

    def record(self, it: int, policy, writer) -> str:
        """Film the policy from fresh episodes (the same starts and commands in every clip, so clips
        compare); returns the MP4's path."""
        start = time.perf_counter()
        self.env.reset()
        path = os.path.join(self.folder, f"train_{it}.mp4")
        small = []  # half-size frames for TensorBoard

        def film(step, qpos):
            if step % self.stride == 0:
                frame = self.renderer.frame(qpos)
                append(frame)
                small.append(frame[::2, ::2])

        with mp4_writer(path, self.fps) as append:
            rollout(self.env, policy, self.steps, film)
        if hasattr(writer, "_get_file_writer"):  # TensorBoard (wandb and neptune get the MP4 files only)
            image = Summary.Image(
                height=small[0].shape[0],
                width=small[0].shape[1],
                colorspace=3,
                encoded_image_string=gif_bytes(small, self.fps),
            )
            writer._get_file_writer().add_summary(Summary(value=[Summary.Value(tag="Video/policy", image=image)]), it)
        self.seconds.append(time.perf_counter() - start)
        print(f"[train_ppo] clip of iteration {it}: {path} ({self.seconds[-1]:.1f} s)")
        return path

    def close(self) -> None:
        self.renderer.close()
        if self.seconds:
            print(f"[train_ppo] {len(self.seconds)} clips, {np.mean(self.seconds):.1f} s each on average")
