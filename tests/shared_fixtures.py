"""Where the shared real-policy fixtures are: `<shared>/fixtures/<name>`, with <shared> the first of
$LEGGED_MJX_SHARED, the repository's sibling `../shared` (the CI layout) and, in a linked git
worktree, the main checkout's sibling `../shared`. Tests that need a fixture skip when it is absent."""

import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _main_checkout(root: str) -> str | None:
    """The main checkout of a linked worktree, whose `.git` file reads `gitdir: <main>/.git/worktrees/<name>`."""
    dot_git = os.path.join(root, ".git")
    if not os.path.isfile(dot_git):
        return None
    with open(dot_git, encoding="utf-8") as handle:
        gitdir = handle.read().strip().removeprefix("gitdir:").strip()
    return os.path.dirname(os.path.dirname(os.path.dirname(gitdir)))


def shared_dir() -> str:
    main = _main_checkout(ROOT)
    candidates = [
        os.environ.get("LEGGED_MJX_SHARED"),
        os.path.join(ROOT, "..", "shared"),
        main and os.path.join(main, "..", "shared"),
    ]
    found = [path for path in candidates if path and os.path.isdir(os.path.join(path, "fixtures"))]
    return os.path.normpath(found[0] if found else candidates[1])


def fixture_dir(name: str) -> str:
    return os.path.join(shared_dir(), "fixtures", name)
