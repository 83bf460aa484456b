"""scripts/docs_coverage.py finds a number or a sentence that a move of the documentation dropped,
and accepts one that only moved (another page, table or markup)."""

from scripts.docs_coverage import coverage, units, words

OLD = """# Title

The run took **17.5 min** on the VM. Pushes are what `sim2sim.py` probes first.

| set | fall rate |
|---|---|
| push=0.5 | 0.21 |
"""


def test_a_moved_fact_is_found():
    new = "- Pushes are what sim2sim.py probes first; the run took 17.5 min on the VM.\n\n"
    new += "set: fall rate\npush=0.5 0.21\n"
    assert coverage(OLD, new) == ([], [])


def test_a_dropped_number_and_a_reworded_sentence_are_reported():
    new = "The run took 18 min on the VM. Pushes are what sim2sim.py probes first.\n"
    new += "| set | fall rate |\n| push=0.5 | 0.21 |"
    missing, partial = coverage(OLD, new)
    assert [fact[1] for fact in missing] == ["17.5"]
    assert [sentence for _, sentence in partial] == ["The run took **17.5 min** on the VM."]
    assert 0 < partial[0][0] < 1


def test_units_and_words():
    assert units(OLD) == [
        "The run took **17.5 min** on the VM.",
        "Pushes are what `sim2sim.py` probes first.",
        "| set | fall rate |",
    ]  # the last row has under three words: its numbers are checked, not its words
    assert words("See [the page](docs/x.md): `a`, **b**.") == ["see", "the", "page", "a", "b"]
