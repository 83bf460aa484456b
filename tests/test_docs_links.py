"""Every relative link in README.md and docs/*.md points to a file that exists and, with `#anchor`,
to a heading of that page (GitHub's anchors: lowercase, punctuation dropped, spaces as hyphens)."""

import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = ["README.md"] + sorted(f"docs/{n}" for n in os.listdir(os.path.join(ROOT, "docs")) if n.endswith(".md"))


def anchor(heading: str) -> str:
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: str) -> set:
    with open(path, encoding="utf-8") as handle:
        text = re.sub(r"```.*?```", "", handle.read(), flags=re.S)  # a '#' comment in a code block is no heading
    return {anchor(h) for h in re.findall(r"^#{1,6} (.+)$", text, flags=re.M)}


def links(page: str) -> list:
    with open(os.path.join(ROOT, page), encoding="utf-8") as handle:
        text = re.sub(r"```.*?```", "", handle.read(), flags=re.S)
    return [t for t in re.findall(r"\]\(([^)\s]+)\)", text) if not re.match(r"[a-z]+://|mailto:", t)]


@pytest.mark.parametrize("page", PAGES)
def test_relative_links_resolve(page):
    for target in links(page):
        path, _, fragment = target.partition("#")
        resolved = (
            os.path.normpath(os.path.join(ROOT, os.path.dirname(page), path)) if path else os.path.join(ROOT, page)
        )
        assert os.path.exists(resolved), f"{page}: link to a missing file {target}"
        if fragment:
            assert fragment in anchors(resolved), f"{page}: no heading for #{fragment} in {path or page}"


def test_anchor_follows_github():
    assert (
        anchor("Thresholds and why (`legged_mjx/sim2sim/verdict.py`)")
        == "thresholds-and-why-legged_mjxsim2simverdictpy"
    )
    assert (
        anchor("BALLU (`ballu`, `ballu-imu`): balloon-assisted biped") == "ballu-ballu-ballu-imu-balloon-assisted-biped"
    )
