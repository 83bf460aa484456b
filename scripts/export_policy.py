"""Export any checkpoint of a run for deployment: TorchScript and ONNX policies (the ONNX with
mjlab's metadata) and params/deploy.yaml in unitree_rl_lab's schema (docs/export.md).

    python scripts/export_policy.py logs/go2-velocity-ppo-dynaflow/<run>/model_1000.pt
    python scripts/export_policy.py <run>/model_500.pt --out deploy/go2/v0

Writes <out>/exported/policy.pt, <out>/exported/policy.onnx and <out>/params/deploy.yaml
(default out: <run>/export_model_<it>). train_ppo.py writes the same into the run folder at the
end of training.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from legged_mjx.cli import ArgumentParser  # noqa: E402
from legged_mjx.errors import exit_on_user_error  # noqa: E402
from legged_mjx.run_folders import resolve_checkpoint  # noqa: E402


@exit_on_user_error
def main(argv=None) -> None:
    parser = ArgumentParser(description=__doc__)
    parser.add_argument(
        "checkpoint", help="a run's model_<it>.pt (its cfgs.pkl beside it), or a run folder (its newest)"
    )
    parser.add_argument(
        "--out", default=None, help="folder for exported/ and params/ (default <run>/export_model_<it>)"
    )
    args = parser.parse_args(argv)
    checkpoint = resolve_checkpoint(args.checkpoint)

    from legged_mjx.export.checkpoint import default_folder, export_checkpoint  # jax and torch: after parsing

    for note in export_checkpoint(checkpoint, args.out or default_folder(checkpoint)):
        print(f"[export_policy] {note}")


if __name__ == "__main__":
    main()
