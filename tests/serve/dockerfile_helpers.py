"""Read the service's Dockerfile: its instructions and what it copies into the image (one source of truth for
tests/serve/test_dockerfile.py and tests/serve/test_service_install.py, which installs the same files without Docker)."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with continuation lines joined and comments dropped."""
    kept = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    pairs = []
    for line in re.sub(r"\\\n", " ", kept).splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            pairs.append((keyword.upper(), arguments.strip()))
    return pairs


def copied_sources(text: str) -> list[str]:
    """The build-context paths that COPY instructions take (flags such as --chown dropped), in order."""
    sources = []
    for keyword, arguments in instructions(text):
        if keyword == "COPY":
            parts = [part for part in arguments.split() if not part.startswith("--")]
            sources += [part.rstrip("/") for part in parts[:-1]]
    return sources
