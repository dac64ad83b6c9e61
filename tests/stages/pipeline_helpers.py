"""Run DVC in a throwaway copy of the repository, isolated from the user's HOME, git config and DVC caches."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from riawelc.quiet import QUIET_TENSORFLOW

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def isolated_env(tmp: Path) -> dict[str, str]:
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "DVC_"))}
    env.update(
        HOME=str(home),
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        DVC_SITE_CACHE_DIR=str(tmp / "dvc-site-cache"),
        DVC_NO_ANALYTICS="1",
        GIT_AUTHOR_NAME="riawelc-test", GIT_AUTHOR_EMAIL="test@localhost",
        GIT_COMMITTER_NAME="riawelc-test", GIT_COMMITTER_EMAIL="test@localhost",
        GIT_CONFIG_NOSYSTEM="1",
        **QUIET_TENSORFLOW,
    )
    return env


def run(cmd: list[str], cwd: Path, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def copy_repository(tmp: Path, env: dict) -> Path:
    """The files git would see (tracked and untracked-but-not-ignored) in a fresh git repository."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout.split("\0")
    copy = tmp / "repo"
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    run(["git", "init", "-q", "-b", "main"], copy, env)
    run(["git", "add", "-A"], copy, env)
    run(["git", "commit", "-qm", "copy"], copy, env)
    return copy


def update_params(repo: Path, overrides: dict) -> None:
    """Merge {section: {key: value}} into the copy's params.yaml."""
    path = repo / "params.yaml"
    params = yaml.safe_load(path.read_text())
    for section, values in overrides.items():
        params.setdefault(section, {}).update(values)
    path.write_text(yaml.safe_dump(params, sort_keys=False))
