"""A companion evaluator for training runs: it watches a run folder (logs/<exp>/<run>), judges every
new checkpoint once with the sim2sim evaluation of this project's checkpoints, writes the results
into the run (TensorBoard `Eval/` scalars at the checkpoint's iteration, eval/<it>/ reports, W&B
where the run logs there) and keeps `best.pt` pointing at the best checkpoint so far.

Modules: checkpoints (which files, which are due, best.pt), judge (one checkpoint -> report),
scores (report -> score and Eval/ scalars), state (what was evaluated, across restarts), sinks
(TensorBoard, W&B), watch (the loop). Entry point: eval_watch.py at the repository root; train_ppo.py
--eval_every starts it beside training.
"""
