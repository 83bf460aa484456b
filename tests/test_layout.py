"""The library's shape: installed (`pip install -e .`), importable from anywhere, and its
packages (legged_mjx, rewards) import no top-level script and form no import cycle."""

import ast
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = ("legged_mjx", "rewards")  # what pyproject.toml packages


def test_the_installed_library_imports_from_another_directory(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    code = "import rewards, legged_mjx.tasks; print(rewards.__file__); print(legged_mjx.__file__)"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"not installed in {sys.executable}? run `pip install -e .`\n{result.stderr}"
    for package, path in zip(("rewards", "legged_mjx"), result.stdout.split()):
        assert path == os.path.join(ROOT, package, "__init__.py")


def library_modules() -> dict:
    """Dotted module name -> parsed source, for every module of PACKAGES."""
    modules = {}
    for package in PACKAGES:
        for folder, _, files in os.walk(os.path.join(ROOT, package)):
            for name in files:
                if name.endswith(".py"):
                    path = os.path.join(folder, name)
                    parts = os.path.relpath(path, ROOT)[: -len(".py")].split(os.sep)
                    dotted = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
                    with open(path) as f:
                        modules[dotted] = ast.parse(f.read(), path)
    return modules


def imported_names(node: ast.AST, at_import_time: bool) -> set:
    """Absolute names a module imports (`from a import b` gives a.b and a); with at_import_time,
    only the imports its body runs when it is imported (none inside functions)."""
    names = set()
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import):
            names.update(alias.name for alias in child.names)
        elif isinstance(child, ast.ImportFrom) and child.level == 0:
            names.add(child.module)
            names.update(f"{child.module}.{alias.name}" for alias in child.names)
        elif not (at_import_time and isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))):
            names |= imported_names(child, at_import_time)
    return names


def test_the_library_imports_no_top_level_script():
    local = {os.path.splitext(name)[0] for name in os.listdir(ROOT)} - set(PACKAGES)  # scripts, tests, ...
    offending = {
        f"{module} imports {name}"
        for module, tree in library_modules().items()
        for name in imported_names(tree, at_import_time=False)
        if name.split(".")[0] in local
    }
    assert not offending


def test_library_modules_form_no_import_cycle():
    modules = library_modules()
    edges = {m: {n for n in imported_names(tree, True) if n in modules and n != m} for m, tree in modules.items()}
    done, path = set(), []

    def visit(module):  # depth-first; a module met again on the current path closes a cycle
        if module in path:
            raise AssertionError("import cycle: " + " -> ".join([*path[path.index(module) :], module]))
        if module not in done:
            path.append(module)
            for name in sorted(edges[module]):
                visit(name)
            path.pop()
            done.add(module)

    for module in sorted(modules):
        visit(module)


def test_make_env_from_the_installed_package_in_another_directory(tmp_path):
    """The documented Python API works outside the checkout: `from legged_mjx import make_env`
    builds a VecEnv that steps (no top-level script on the path)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    code = (
        "import torch\n"
        "from legged_mjx import make_env, LeggedVecEnv\n"
        "env = make_env('go2', num_envs=2, device='cpu', backend='mujoco', threads=1)\n"
        "assert isinstance(env, LeggedVecEnv)\n"
        "obs, reward, done, extras = env.step(torch.zeros(2, env.num_actions))\n"
        "print(tuple(obs['policy'].shape), tuple(reward.shape))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == "(2, 50) (2,)"


def test_console_scripts_and_top_level_scripts_run_the_same_command_lines(tmp_path):
    """pyproject's console scripts name a main() in legged_mjx/cli/; each top-level script is a thin
    wrapper around the same main; an installed console script answers from another directory."""
    import importlib
    import tomllib

    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as handle:
        scripts = tomllib.load(handle)["project"]["scripts"]
    modules = set()
    for name, target in scripts.items():
        module, function = target.split(":")
        assert module.startswith("legged_mjx.cli.") and callable(getattr(importlib.import_module(module), function))
        script = module.rsplit(".", 1)[1]
        modules.add(script)
        wrapper = ast.parse(open(os.path.join(ROOT, f"{script}.py")).read())
        assert f"{module}.main" in imported_names(wrapper, at_import_time=True), name
    assert modules == {"train_ppo", "play", "collect_trajectories", "sim2sim", "eval_watch"}
    train = os.path.join(os.path.dirname(sys.executable), "legged-mjx-train")
    result = subprocess.run([train, "--num_envs", "0"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stderr == "error: --num_envs must be >= 1, got 0\n"
