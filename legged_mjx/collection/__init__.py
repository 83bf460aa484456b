"""Collecting demonstration episodes from a policy in a batched environment, and replaying them.

Each control step: the actor acts on the policy observation of the state (`actor`), the env steps
(and auto-resets finished environments), and the transition is gathered from the device arrays
(`recording`): the state before the step (everything `task.step` reads, so the state can be
restored), the action, the applied joint targets and what the step returned. Its arrays are copied
to the host asynchronously and unpacked every FLUSH_STEPS steps (`loop`) into a host ring of recent
steps (`episode_buffers`). Episodes are claimed when they start, until n are claimed, and kept when
they finish (`claims`: unbiased by episode length). Kept episodes are committed to the dataset
periodically, at the end, and on Ctrl-C or an error (`commits`); episodes still running when
collection stops are never written. `provenance` says how a dataset was made and whether it may be
resumed; `replay` re-simulates recorded episodes.
"""
