"""Print a params profile as `-S section.key=value` arguments for `dvc exp run`.

    dvc exp run $(python scripts/profile_args.py profiles/riawelc_gpu.yaml)
"""

import argparse
import json
import sys
from pathlib import Path

import yaml


def flatten(tree: dict, prefix: str = "") -> list[str]:
    arguments = []
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            arguments += flatten(value, f"{name}.")
        else:
            # JSON is valid YAML, so lists and strings survive DVC's parsing of the value.
            arguments += ["-S", f"{name}={json.dumps(value)}"]
    return arguments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("profile", type=Path)
    args = parser.parse_args()
    if not args.profile.is_file():
        sys.exit(f"no profile file {args.profile}")
    print(" ".join(flatten(yaml.safe_load(args.profile.read_text()) or {})))


if __name__ == "__main__":
    main()
