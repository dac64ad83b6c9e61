"""Write the synthetic RIAWELC-like sample: python scripts/make_sample.py --out data --seed 0 --per-class 120"""

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

# Run from a checkout without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from riawelc.synth.patches import write_sample  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="folder to write the RIAWELC tree into")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-class", type=int, default=120, help="unique patches per class")
    parser.add_argument("--force", action="store_true", help="replace --out if it is not empty")
    args = parser.parse_args()

    if args.out.exists() and any(args.out.iterdir()):
        if not args.force:
            parser.error(f"{args.out} is not empty; pass --force to replace it")
        shutil.rmtree(args.out)
    start = time.perf_counter()
    summary = write_sample(args.out, seed=args.seed, per_class=args.per_class)
    print(json.dumps(summary, indent=2))
    print(f"wrote {summary['total_bytes'] / 1e6:.2f} MB to {args.out} in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
