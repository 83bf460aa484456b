"""Check that moved documentation kept its facts: every number (with a neighbouring word) and every
sentence of OLD must appear somewhere in the new pages (README.md and docs/*.md by default).

    git show 25ddb8e:README.md > /tmp/old_readme.md   # the README before it was split into docs/
    python scripts/docs_coverage.py /tmp/old_readme.md

Both sides are reduced to words: markdown (links, emphasis, code marks, table bars, heading marks)
is dropped and punctuation around words stripped, so a fact may move, change page, table or list,
and still be found. A number counts as kept when it appears next to one of its old neighbouring
words. A sentence (each table row, and each sentence of a paragraph or list item, at . ! ? ;)
counts by the share of its word triples found in the new pages: 1.0 is verbatim. Exit status 1 when
a number is missing or a sentence falls below --min_overlap; sentences below 1.0 are listed for a
reader to judge (a reworded cross-reference, say).
"""

import glob
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from legged_mjx.cli import ArgumentParser  # noqa: E402
from legged_mjx.errors import UserError, exit_on_user_error  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PUNCTUATION = ".,;:!?()[]{}'\"`*_|<>\\"


def words(text: str) -> list:
    """The words of markdown text, lowercased, without markup or surrounding punctuation."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links and images: their text
    text = re.sub(r"^\s*(#+|>|[-*+]|\d+\.)\s", " ", text, flags=re.M)  # heading, quote and list marks
    text = text.replace("\\\n", " ").replace("|", " ")
    out = []
    for word in text.lower().split():
        word = word.strip(PUNCTUATION)
        if word and not re.fullmatch(r"-+|=+|~+", word):
            out.append(word)
    return out


def units(text: str) -> list:
    """The sentences of markdown text: table rows, code lines, and the sentences of paragraphs and
    list items."""
    blocks, current, in_code = [], [], False
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("```"):
            in_code = not in_code
        elif in_code:
            blocks.append(stripped)
            continue
        starts_item = re.match(r"([-*+]|\d+\.)\s", stripped) or stripped.startswith(("#", "```", "|"))
        if not stripped or starts_item:
            blocks.append(" ".join(current))
            current = []
        if stripped.startswith("|"):
            if not re.fullmatch(r"[|:\- ]+", stripped):
                blocks.append(stripped)
        elif stripped and not stripped.startswith("```"):
            current.append(stripped)
    blocks.append(" ".join(current))
    return [s for block in blocks for s in re.split(r"(?<=[.!?;])\s+", block) if len(words(s)) >= 3]


def triples(tokens: list) -> set:
    return {tuple(tokens[i : i + 3]) for i in range(len(tokens) - 2)}


def number_facts(tokens: list) -> list:
    """(previous word, number, next word) for every word that holds a digit."""
    padded = ["", *tokens, ""]
    return [(padded[i - 1], padded[i], padded[i + 1]) for i in range(1, len(padded) - 1) if re.search(r"\d", padded[i])]


def coverage(old: str, new: str) -> tuple[list, list]:
    """(missing number facts, [(overlap, sentence)] of old sentences not found verbatim)."""
    new_tokens = words(new)
    pairs = set(zip(new_tokens, new_tokens[1:]))
    missing_numbers = [
        fact for fact in number_facts(words(old)) if (fact[0], fact[1]) not in pairs and (fact[1], fact[2]) not in pairs
    ]
    new_triples = triples(new_tokens)
    partial = []
    for sentence in units(old):
        own = triples(words(sentence))
        overlap = len(own & new_triples) / len(own) if own else 1.0
        if overlap < 1.0:
            partial.append((overlap, sentence))
    return missing_numbers, partial


@exit_on_user_error
def main():
    parser = ArgumentParser(description=__doc__)
    parser.add_argument("old", help="the markdown file the facts come from (e.g. an older README.md)")
    parser.add_argument("new", nargs="*", help="the pages that must hold them (default README.md docs/*.md)")
    parser.add_argument("--min_overlap", type=float, default=0.8, help="share of a sentence's word triples")
    args = parser.parse_args()
    pages = args.new or [os.path.join(ROOT, "README.md"), *sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))]
    texts = []
    for path in [args.old, *pages]:
        if not os.path.isfile(path):
            raise UserError(f"file not found: {path}")
        with open(path, encoding="utf-8") as handle:
            texts.append(handle.read())
    missing_numbers, partial = coverage(texts[0], "\n".join(texts[1:]))
    for before, number, after in missing_numbers:
        print(f"number missing: ... {before} {number} {after} ...")
    for overlap, sentence in sorted(partial):
        print(f"sentence {overlap:.2f}: {sentence}")
    failed = len(missing_numbers) + sum(overlap < args.min_overlap for overlap, _ in partial)
    print(
        f"{len(number_facts(words(texts[0])))} numbers, {len(units(texts[0]))} sentences of {args.old} checked "
        f"against {len(pages)} pages: {len(missing_numbers)} numbers missing, {len(partial)} sentences not verbatim, "
        f"{failed} below the bar"
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
