"""eval_watch: the score and Eval/ scalars of a report, which checkpoints are read, best.pt, restarts,
one-line errors, and end to end: beside a short training run (train_ppo.py --eval_every) and on a
run folder with W&B offline."""

import glob
import json
import os
import shutil
import struct

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import eval_watch
import train_ppo
from legged_mjx.errors import UserError
from legged_mjx.eval_watch.checkpoints import checkpoints, due
from legged_mjx.eval_watch.judge import CheckpointError
from legged_mjx.eval_watch.scores import eval_scalars, score
from legged_mjx.eval_watch.state import WatchState
from legged_mjx.eval_watch.watch import Options, Watcher
from legged_mjx.run_config import run_config
from legged_mjx.sim2sim.sources import from_checkpoint

TINY_EVAL = ["--num_envs", "12", "--duration", "1", "--settle", "0.5"]


def row(name, kind, ratio, axis, perturbation="nominal", in_range=True):
    tracking = {a: {"ratio": None, "rmse": 0.1} for a in ("vx", "vy", "wz")}
    tracking[axis]["ratio"] = ratio
    return {"row": name, "kind": kind, "in_range": in_range, "perturbation": perturbation, "tracking": tracking}


def report_of(fall_rates: dict, rows=(), passed=False) -> dict:
    """A sim2sim report as far as scores.py reads it: perturbation sets {name: fall rate}, nominal first."""
    nominal = next(iter(fall_rates.values()))
    return {
        "verdict": {"passed": passed, "failed": [] if passed else ["x"]},
        "checks": [],
        "overall": {
            "fall_rate": nominal,
            "tracking": {"vx": {"rmse": 0.2}, "vy": {"rmse": 0.05}, "wz": {"rmse": "nan"}},
        },
        "perturbations": [{"name": name, "fall_rate": rate} for name, rate in fall_rates.items()],
        "rows": list(rows),
    }


def test_score_and_scalars_by_hand():
    rows = [
        row("forward +0.5", "forward", 0.9, "vx"),
        row("turning +0.5", "turning", 0.4, "wz"),
        row("turning -0.5", "turning", None, "wz"),  # everything fell: counts 0
        row("random 0", "random", 0.1, "vx"),  # not judged by the verdict: not scored
        row("forward +2", "forward", 0.1, "vx", in_range=False),
        row("forward +0.5", "forward", 0.1, "vx", perturbation="push=1"),
    ]
    report = report_of({"nominal": 0.1, "push=1": 0.3}, rows)
    survival, tracking = (0.9 + 0.7) / 2, (0.9 + 0.4 + 0.0) / 3
    assert score(report) == pytest.approx(survival * tracking)
    assert eval_scalars(report) == pytest.approx(
        {
            "Eval/score": survival * tracking,
            "Eval/verdict": 0.0,
            "Eval/fall_rate": 0.1,
            "Eval/fall_rate/push=1": 0.3,
            "Eval/tracking_ratio/forward_+0.5": 0.9,
            "Eval/tracking_ratio/turning_+0.5": 0.4,
            "Eval/rmse/vx": 0.2,
            "Eval/rmse/vy": 0.05,
        }
    )
    over = report_of(
        {"nominal": 0.0}, [row("forward +1", "forward", 1.6, "vx"), row("lateral +0.3", "lateral", 2.5, "vy")]
    )
    assert score(over) == pytest.approx((0.4 + 0.0) / 2)  # 60% too fast scores 0.4; beyond 2x: 0
    assert score(report_of({"nominal": 0.25}, passed=True)) == 0.75  # no judged rows: survival alone
    assert eval_scalars(report_of({"nominal": 0.25}, passed=True))["Eval/verdict"] == 1.0


def test_only_complete_checkpoints_are_found_and_due(tmp_path):
    for name in ("model_0.pt", "model_50.pt", "model_100.pt", "model_130.pt", "model_x.pt", "best.pt", "cfgs.pkl"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / ".tmp-k2j4model_150.pt").write_bytes(b"half a checkp")  # atomic_write's temporary sibling
    (tmp_path / "model_200.pt").mkdir()
    assert sorted(checkpoints(str(tmp_path))) == [0, 50, 100, 130]
    assert due([0, 50, 100, 150, 200, 230], every=2, save_interval=50) == [0, 100, 200, 230]
    assert due([300, 0, 100], every=1, save_interval=100) == [0, 100, 300]


class FakeJudge:
    """Judges model_<it>.pt by a table {iteration: nominal fall rate} (score = 1 - fall rate); None
    in the table: the checkpoint cannot be loaded. Counts its calls."""

    def __init__(self, falls: dict):
        self.falls, self.calls = falls, []

    def __call__(self, checkpoint, out_dir, command_line):
        iteration = int(os.path.basename(checkpoint)[len("model_") : -len(".pt")])
        self.calls.append(iteration)
        if self.falls[iteration] is None:
            raise CheckpointError(f"{checkpoint} does not load")
        return report_of({"nominal": self.falls[iteration]})


class ListSink:
    def __init__(self):
        self.logged = []

    def log(self, iteration, scalars):
        self.logged.append((iteration, scalars["Eval/score"]))


def watch_once(run_dir, judge, save_interval=10, every=1):
    state = WatchState.load(os.path.join(run_dir, "eval", "state.json"), {"sweep": None})
    sink = ListSink()
    Watcher(run_dir, judge, state, [sink], save_interval, Options(every=every, once=True), lambda line: None).run()
    return state, sink


def test_best_follows_the_score_and_a_restart_evaluates_nothing_twice(tmp_path):
    run = str(tmp_path)
    for it in (0, 10, 20):
        (tmp_path / f"model_{it}.pt").write_bytes(b"x")
    (tmp_path / ".tmp-a1b2model_30.pt").write_bytes(b"half")  # a save in progress
    judge = FakeJudge({0: 0.75, 10: 0.25, 20: 0.5, 30: 0.0, 40: None, 50: 0.25})
    state, sink = watch_once(run, judge)
    assert judge.calls == [0, 10, 20] and sink.logged == [(0, 0.25), (10, 0.75), (20, 0.5)]
    assert os.readlink(tmp_path / "best.pt") == "model_10.pt" and state.best == 10

    # the save completes (renamed into place), another checkpoint cannot be read, a later one ties the best
    os.replace(tmp_path / ".tmp-a1b2model_30.pt", tmp_path / "model_30.pt")
    for it in (40, 50):
        (tmp_path / f"model_{it}.pt").write_bytes(b"x")
    state, sink = watch_once(run, judge)  # a restart: a new watcher over the saved state
    assert judge.calls == [0, 10, 20, 30, 40, 50] and [it for it, _ in sink.logged] == [30, 50]
    assert os.readlink(tmp_path / "best.pt") == "model_30.pt" and state.best == 30  # 1.0 > 0.75
    assert state.evaluated[40] == {"error": f"{run}/model_40.pt does not load"}
    with open(tmp_path / "eval" / "state.json") as handle:
        saved = json.load(handle)
    assert saved["best"] == 30 and sorted(saved["evaluated"], key=int) == ["0", "10", "20", "30", "40", "50"]
    assert sorted(os.listdir(tmp_path / "eval")) == ["state.json"]  # no temporary file left

    judge.falls[60] = 0.0  # a tie with the best: the later checkpoint wins
    (tmp_path / "model_60.pt").write_bytes(b"x")
    state, _ = watch_once(run, judge)
    assert judge.calls[-1] == 60 and os.readlink(tmp_path / "best.pt") == "model_60.pt"


def test_every_k_and_another_spec(tmp_path):
    for it in (0, 10, 20, 30, 35):
        (tmp_path / f"model_{it}.pt").write_bytes(b"x")
    judge = FakeJudge(dict.fromkeys((0, 10, 20, 30, 35), 0.5))
    watch_once(str(tmp_path), judge, every=2)
    assert judge.calls == [0, 20, 35]  # one regular checkpoint in 2, and the final (off-grid) one
    with pytest.raises(UserError, match=r"other settings \(sweep differ\)"):
        WatchState.load(str(tmp_path / "eval" / "state.json"), {"sweep": ["zero"]})


def bad(main, argv, capsys) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    assert exit_info.value.code == 2 and err.count("\n") == 1 and err.startswith("error: "), err
    return err


@pytest.mark.parametrize(
    "args, message",
    [
        (["{run}", "--every", "0"], "--every must be >= 1, got 0"),
        (["{run}", "--num_envs", "few"], "argument --num_envs: invalid int value: 'few'"),
        (["{run}", "--poll", "0"], "--poll must be > 0, got 0.0"),
        (["{run}", "--logger", "mlflow"], "argument --logger: invalid choice: 'mlflow'"),
        (["{run}", "--duration", "1", "--settle", "2"], "need 0 <= settle (2.0 s) < duration (1.0 s)"),
        (["{run}", "--perturb", "wind=3"], "--perturb: bad item 'wind=3'"),
        (["{run}", "--sweep", "sideways=1"], "--sweep: unknown item 'sideways=1'"),
        (["{run}", "--threshold", "max_fun=1"], "--threshold: bad item 'max_fun=1'"),
        (["/nonexistent/run"], "run folder /nonexistent/run not found"),
        (["{empty}"], "has no cfgs.pkl: not a run folder of train_ppo.py"),
        ([], "the following arguments are required: run_dir"),
    ],
)
def test_bad_arguments_are_one_line_errors(args, message, tiny_run, tmp_path, capsys):
    argv = [a.format(run=tiny_run, empty=tmp_path) for a in args]
    assert message in bad(eval_watch.main, argv, capsys)
    assert not os.path.exists(tiny_run / "eval")  # nothing written


@pytest.mark.parametrize(
    "args, message",
    [
        (["--eval_every", "0"], "--eval_every must be >= 1, got 0"),
        (["--eval_every", "150"], "--eval_every 150: not a multiple of train.save_interval (100)"),
        (["--eval_every", "100", "--eval_args", "--num_envs 0"], "--num_envs must be >= 1, got 0"),
    ],
)
def test_train_ppo_checks_the_evaluator_options_first(args, message, tmp_path, capsys):
    assert message in bad(train_ppo.main, ["--device", "cpu", "--log_root", str(tmp_path), *args], capsys)
    assert not os.listdir(tmp_path)


def eval_scalars_in(run_dir: str) -> dict:
    """{tag: [(step, value)]} of the Eval/ scalars in the run's TensorBoard events."""
    events = EventAccumulator(run_dir, size_guidance={"scalars": 0}).Reload()
    tags = [t for t in events.Tags()["scalars"] if t.startswith("Eval/")]
    return {t: [(e.step, e.value) for e in events.Scalars(t)] for t in tags}


def test_a_short_training_run_with_the_evaluator(tmp_path):
    """train_ppo.py --eval_every: the evaluator runs beside training as its own process and judges every
    checkpoint (iterations 0, 2 and the final 3); Eval/ scalars sit at those iterations in the run's
    TensorBoard; a restart finds nothing left to do."""
    train_ppo.main(
        ["--device", "cpu", "--num_envs", "16", "--max_iterations", "4", "--log_root", str(tmp_path)]
        + ["--exp_name", "watched", "--set", "train.save_interval=2", "--set", "train.num_steps_per_env=4"]
        + ["--eval_every", "2", "--eval_args", " ".join([*TINY_EVAL, "--poll", "0.5"])]
    )
    (run,) = glob.glob(str(tmp_path / "watched" / "*"))
    log = open(os.path.join(run, "eval", "eval_watch.log")).read()
    assert log.count("score") == 3, log
    scalars = eval_scalars_in(run)
    assert [step for step, _ in scalars["Eval/score"]] == [0, 2, 3]
    assert {"Eval/fall_rate", "Eval/verdict", "Eval/tracking_ratio/turning_+0.5", "Eval/rmse/wz"} <= set(scalars)
    with open(os.path.join(run, "eval", "state.json")) as handle:
        state = json.load(handle)
    assert [e["score"] for e in state["evaluated"].values()] == pytest.approx([v for _, v in scalars["Eval/score"]])
    assert os.readlink(os.path.join(run, "best.pt")) == f"model_{state['best']}.pt"
    for it in (0, 2, 3):
        report = json.load(open(os.path.join(run, "eval", str(it), "report.json")))
        assert report["policy"]["path"].endswith(f"model_{it}.pt") and report["settings"]["num_envs"] == 12

    eval_watch.main([run, "--once", "--nice", "0", "--threads", str(torch.get_num_threads()), *TINY_EVAL])
    assert eval_scalars_in(run)["Eval/score"] == scalars["Eval/score"]  # nothing evaluated again


def wandb_history(wandb_dir: str) -> list:
    """The history rows of the offline W&B runs under wandb_dir, read from their .wandb files
    (LevelDB-style log: 7-byte file header, records of crc32 u32, length u16, type u8 in 32 KiB
    blocks; each a protobuf Record)."""
    from wandb.proto import wandb_internal_pb2

    rows = []
    for path in sorted(glob.glob(os.path.join(wandb_dir, "wandb", "offline-run-*", "*.wandb"))):
        blob, pos, block, data = open(path, "rb").read(), 7, 32768, b""
        while pos + 7 <= len(blob):
            if block - pos % block < 7:  # a block's tail too short for a header is padding
                pos += block - pos % block
                continue
            _, length, kind = struct.unpack("<IHB", blob[pos : pos + 7])
            data, pos = data + blob[pos + 7 : pos + 7 + length], pos + 7 + length
            if kind in (1, 4):  # a full record, or the last piece of one
                record = wandb_internal_pb2.Record()
                record.ParseFromString(data)
                data = b""
                if record.WhichOneof("record_type") == "history":
                    items = record.history.item
                    rows.append({item.key or "/".join(item.nested_key): json.loads(item.value_json) for item in items})
    return rows


def test_once_on_a_run_folder_with_wandb_offline(tiny_run, tmp_path, monkeypatch):
    """--once on a run with a save in progress (ignored); W&B offline receives the same Eval/ scalars
    as TensorBoard; best.pt is accepted where a checkpoint is (play/collect's run_config, sim2sim)."""
    wandb = pytest.importorskip("wandb")
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    (run / ".tmp-x7q1model_2.pt").write_bytes(open(run / "model_1.pt", "rb").read()[:1000])  # half written
    for name, value in {"WANDB_MODE": "offline", "WANDB_DIR": str(tmp_path), "WANDB_SILENT": "true"}.items():
        monkeypatch.setenv(name, value)
    threads = str(torch.get_num_threads())
    eval_watch.main([str(run), "--once", "--logger", "wandb", "--nice", "0", "--threads", threads, *TINY_EVAL])
    wandb.teardown()  # the W&B service process writes the run's file; it has written all once it stops

    (score,) = eval_scalars_in(str(run))["Eval/score"]
    assert score[0] == 1 and sorted(os.listdir(run / "eval")) == ["1", "state.json"]
    (history,) = [r for r in wandb_history(str(tmp_path)) if "Eval/score" in r]
    assert history["Eval/iteration"] == 1 and history["Eval/score"] == pytest.approx(score[1])
    assert set(history) >= {"Eval/fall_rate", "Eval/verdict", "Eval/tracking_ratio/forward_+0.5"}

    best = str(run / "best.pt")
    assert os.readlink(best) == "model_1.pt"
    assert run_config(best, None)[0] == "go2"
    assert from_checkpoint(best).policy.obs_dim == 50
