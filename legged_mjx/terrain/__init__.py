"""Generated terrain (docs/terrain.md): sub-terrain types (heightfield.py, primitives.py), the
generator's grid (config.py, generator.py), the presets (presets.py), the MjSpec scene (scene.py),
the ground under a point in JAX (ground.py), Isaac Lab's height scan (height_scan.py) and terrain
curriculum (curriculum.py), and what a task does with them (task_terrain.py); the command line in
cli.py."""
