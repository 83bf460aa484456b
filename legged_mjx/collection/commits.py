"""When kept episodes are written: periodic, bounded-cost commits of one collection segment."""

import time

from legged_mjx import dataset
from legged_mjx.collection.provenance import now


class Committer:
    """Holds complete episodes and commits them to the dataset at `path` as segment
    len(segments) (earlier segments: from the file when resuming): when `every_s` seconds have
    passed (and at least 10x the last commit's duration, which bounds commits to ~10% of the
    time), and on flush()."""

    def __init__(self, path: str, attrs: dict, segments: list = (), every_s: float = 60.0, compression: str = "gzip"):
        self.path, self.attrs, self.segments = path, attrs, list(segments)
        self.segment = {"segment": len(self.segments), "started": now()}
        self.every_s, self.compression = every_s, compression
        self.pending, self.written, self.last_commit, self.last_duration = [], 0, time.monotonic(), 0.0

    def add(self, episode: dataset.Episode) -> None:
        self.pending.append(episode)

    def maybe_flush(self) -> None:
        if time.monotonic() - self.last_commit >= max(self.every_s, 10 * self.last_duration):
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        start = time.monotonic()
        segment = {**self.segment, "episodes": self.written + len(self.pending)}
        attrs = {**self.attrs, "segments": [*self.segments, segment], "updated": now()}
        dataset.commit(self.path, self.pending, attrs, self.compression)
        self.written += len(self.pending)
        self.pending = []
        self.last_commit = time.monotonic()
        self.last_duration = self.last_commit - start
