"""docs/api.md matches the code: every `### \\`dotted.name\\`` entry names an importable object; a
signature written under it has the object's parameters, in order, with the same defaults; a field
table under it lists the dataclass's own fields (those its dataclass bases do not have), in order,
with the same simple defaults."""

import ast
import dataclasses
import importlib
import inspect
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NO_DEFAULT = object()


def entries() -> list:
    """(dotted name, body text up to the next heading) of each API entry on the page."""
    with open(os.path.join(ROOT, "docs", "api.md"), encoding="utf-8") as handle:
        text = handle.read()
    parts = re.split(r"^#{2,3} ", text, flags=re.M)
    found = []
    for part in parts:
        heading, _, body = part.partition("\n")
        match = re.fullmatch(r"`([\w.]+)`", heading.strip())
        if match:
            found.append((match.group(1), body))
    return found


ENTRIES = entries()


def resolve(dotted: str):
    """The object a dotted name refers to (module, then attributes)."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for name in parts[split:]:
            obj = getattr(obj, name)
        return obj
    raise ImportError(dotted)


def literal(node):
    try:
        return ast.literal_eval(node)
    except ValueError:
        return NO_DEFAULT  # an expression the page writes out in words


def documented_signature(body: str):
    """[(name, kind, default)] of the first ```python block if its first line is a call signature."""
    block = re.search(r"```python\n(.*?)\n", body)
    if not block or not re.match(r"\w+\(", block.group(1)):
        return None
    function = ast.parse(f"def {block.group(1)}: pass").body[0]
    args = function.args
    positional = args.posonlyargs + args.args
    defaults = [NO_DEFAULT] * (len(positional) - len(args.defaults)) + [literal(d) for d in args.defaults]
    out = [(a.arg, "positional", d) for a, d in zip(positional, defaults)]
    if args.vararg:
        out.append((args.vararg.arg, "*", NO_DEFAULT))
    out += [(a.arg, "keyword", literal(d) if d else NO_DEFAULT) for a, d in zip(args.kwonlyargs, args.kw_defaults)]
    if args.kwarg:
        out.append((args.kwarg.arg, "**", NO_DEFAULT))
    return out


def actual_signature(obj) -> list:
    kinds = {
        inspect.Parameter.VAR_POSITIONAL: "*",
        inspect.Parameter.VAR_KEYWORD: "**",
        inspect.Parameter.KEYWORD_ONLY: "keyword",
    }
    return [
        (p.name, kinds.get(p.kind, "positional"), NO_DEFAULT if p.default is p.empty else p.default)
        for p in inspect.signature(obj).parameters.values()
        if p.name != "self"
    ]


def documented_fields(body: str):
    """[(name, default cell)] of a `| field | default | what |` table, or None."""
    if not re.search(r"^\| field \| default \|", body, flags=re.M):
        return None
    rows = re.findall(r"^\| `(\w+)` \| ([^|]*) \|", body, flags=re.M)
    return [(name, cell.strip()) for name, cell in rows]


def own_fields(cls) -> list:
    inherited = {f.name for base in cls.__mro__[1:] if dataclasses.is_dataclass(base) for f in dataclasses.fields(base)}
    return [f for f in dataclasses.fields(cls) if f.name not in inherited]


@pytest.mark.parametrize("name, body", ENTRIES, ids=[name for name, _ in ENTRIES])
def test_api_entry_matches_the_code(name, body):
    obj = resolve(name)
    signature, fields = documented_signature(body), documented_fields(body)
    assert signature is not None or fields is not None or inspect.isclass(obj), f"{name}: no signature or field table"
    if signature is not None:
        actual = actual_signature(obj)
        assert [(n, k) for n, k, _ in signature] == [(n, k) for n, k, _ in actual], f"{name}: parameters differ"
        for (param, _, doc_default), (_, _, code_default) in zip(signature, actual):
            if doc_default is not NO_DEFAULT:
                assert doc_default == code_default, f"{name}({param}=...): the page says {doc_default!r}"
            else:
                assert code_default is NO_DEFAULT or not isinstance(code_default, (int, float, str, type(None))), (
                    f"{name}: the page gives {param} no default, the code {code_default!r}"
                )
    if fields is not None:
        assert dataclasses.is_dataclass(obj), f"{name}: a field table for a non-dataclass"
        code = own_fields(obj)
        assert [n for n, _ in fields] == [f.name for f in code], f"{name}: fields differ"
        for (field, cell), spec in zip(fields, code):
            if spec.default is not dataclasses.MISSING and isinstance(spec.default, (int, float, bool, type(None))):
                assert cell == repr(spec.default) or cell == f"`{spec.default!r}`", f"{name}.{field}: page says {cell}"


def test_the_page_covers_the_public_api():
    names = {name for name, _ in ENTRIES}
    for required in (
        "legged_mjx.vecenv.make_env",
        "legged_mjx.vecenv.LeggedVecEnv",
        "legged_mjx.task.TaskCfg",
        "legged_mjx.task.EnvCfg",
        "legged_mjx.tasks.joint_position.JointPositionEnvCfg",
        "legged_mjx.observations.ObsCfg",
        "legged_mjx.observations.ObsTerm",
        "rewards.RewardCfg",
        "legged_mjx.commands.CommandCfg",
        "legged_mjx.domain_rand.DomainRandCfg",
        "legged_mjx.task.LocomotionTask",
        "legged_mjx.dataset.load_trajectories",
        "legged_mjx.sim2sim.sources.from_policy_file",
        "legged_mjx.sim2sim.sources.from_checkpoint",
    ):
        assert required in names, f"docs/api.md has no entry `{required}`"


def test_a_changed_signature_is_caught():
    assert documented_signature("```python\nf(a, b=1, *rest, c=None, **kw) -> X\n```") == [
        ("a", "positional", NO_DEFAULT),
        ("b", "positional", 1),
        ("rest", "*", NO_DEFAULT),
        ("c", "keyword", None),
        ("kw", "**", NO_DEFAULT),
    ]

    def f(a, b=2, *rest, c=None, **kw):
        pass

    assert actual_signature(f)[1] == ("b", "positional", 2)  # the page's b=1 would fail the comparison
