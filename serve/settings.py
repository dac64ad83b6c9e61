"""Service settings: environment variables with the prefix RIAWELC_, each with a documented default.

| variable | default | meaning |
|---|---|---|
| RIAWELC_MODEL_DIR | models | folder with classifier.onnx, unet.onnx and their JSON cards |
| RIAWELC_DETECTOR | MODEL_DIR/detector.json when it exists | the real-film detector for /inspect?source=candidates (`dvc repro realfilms/dvc.yaml` writes realfilms/out/models/detector.json) |
| RIAWELC_API_KEY | unset (no auth) | if set, inference and /model/info need header X-API-Key with this value |
| RIAWELC_MAX_BODY_BYTES | 10000000 | request body limit (413 above it) |
| RIAWELC_MAX_PIXELS | 4000000 | patch endpoints: image width x height limit, read from the header before decoding (413 above it) |
| RIAWELC_MAX_FILM_PIXELS | 8000000 | /inspect: film width x height limit, read from the header before decoding (413 above it); a 5,000 x 1,300 film is 6.5 Mpx |
| RIAWELC_MAX_BATCH | 32 | files per /predict/batch request |
| RIAWELC_WORKERS | 2 | inference threads |
| RIAWELC_QUEUE_LIMIT | 16 | jobs waiting for a thread beyond those running; more get 503 with Retry-After |
| RIAWELC_ONNX_THREADS | 1 | ONNX Runtime intra-op threads per run (workers x threads ~ cores) |
| RIAWELC_RATE_LIMIT | unset (off) | per client address, e.g. 60/minute (units: second, minute, hour, day) |
| RIAWELC_CORS_ORIGINS | unset (no CORS) | comma-separated allowed origins, or * |
| RIAWELC_GATE_NO_DEFECT | unset (off) | /segment/unet returns an empty mask when P(no_defect) is above this |
| RIAWELC_MASK_THRESHOLD | the U-Net card's threshold, else 0.5 | U-Net probability above which a pixel is defect |
| RIAWELC_LOG_LEVEL | INFO | level of the JSON access log (logger riawelc.access) |
| RIAWELC_MM_PER_PIXEL | unset (no scale) | /inspect: the pixel size in mm of films whose file gives none (DICOM pixel spacing and TIFF resolution come first; the query parameter mm_per_pixel overrides both); unset, such films get sizes in px and no verdict. GDXray films: 0.0403 |
| RIAWELC_RULES | unset (no verdict) | /inspect: acceptance rules (a riawelc-acceptance-1 YAML file, e.g. profiles/acceptance-example.yaml, an example only); a file that cannot be used keeps the service unready, with the reason |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "RIAWELC_"
RATE_UNITS = ("second", "minute", "hour", "day")


class SettingsError(ValueError):
    """A setting with a value the service cannot use; the message names the variable."""


def _number(env: dict[str, str], name: str, default, kind=int, low=None, high=None, positive=False):
    raw = env.get(PREFIX + name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(f"{PREFIX}{name}={raw!r} is not {'an integer' if kind is int else 'a number'}") from None
    if positive and not value > 0:
        raise SettingsError(f"{PREFIX}{name}={raw!r} must be positive")
    if (low is not None and value < low) or (high is not None and value > high):
        raise SettingsError(f"{PREFIX}{name}={raw!r} must lie in [{low}, {high if high is not None else 'inf'}]")
    return value


def _path(env: dict[str, str], variable: str) -> Path | None:
    raw = env.get(variable, "").strip()
    return Path(raw) if raw else None


def parse_rate_limit(text: str) -> tuple[str, int]:
    """"60/minute" -> ("minute", 60), the form Litestar's RateLimitConfig takes."""
    count, _, unit = text.strip().partition("/")
    unit = unit.strip().rstrip("s") if unit.strip() != "s" else "second"
    if not count.strip().isdigit() or int(count) < 1 or unit not in RATE_UNITS:
        raise SettingsError(f"{PREFIX}RATE_LIMIT={text!r}: expected <count>/<unit> with unit one of {RATE_UNITS}")
    return unit, int(count)


@dataclass(frozen=True)
class Settings:
    model_dir: Path = Path("models")
    detector: Path | None = None
    api_key: str | None = None
    max_body_bytes: int = 10_000_000
    max_pixels: int = 4_000_000
    max_film_pixels: int = 8_000_000
    max_batch: int = 32
    workers: int = 2
    queue_limit: int = 16
    onnx_threads: int = 1
    rate_limit: tuple[str, int] | None = None
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
    gate_no_defect: float | None = None
    mask_threshold: float | None = None
    log_level: str = "INFO"
    mm_per_pixel: float | None = None
    rules: Path | None = None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        rate = env.get(PREFIX + "RATE_LIMIT", "").strip()
        origins = tuple(o.strip() for o in env.get(PREFIX + "CORS_ORIGINS", "").split(",") if o.strip())
        return cls(
            model_dir=Path(env.get(PREFIX + "MODEL_DIR", "").strip() or "models"),
            detector=_path(env, PREFIX + "DETECTOR"),
            api_key=env.get(PREFIX + "API_KEY") or None,
            max_body_bytes=_number(env, "MAX_BODY_BYTES", cls.max_body_bytes, low=1024),
            max_pixels=_number(env, "MAX_PIXELS", cls.max_pixels, low=1),
            max_film_pixels=_number(env, "MAX_FILM_PIXELS", cls.max_film_pixels, low=1),
            max_batch=_number(env, "MAX_BATCH", cls.max_batch, low=1),
            workers=_number(env, "WORKERS", cls.workers, low=1, high=64),
            queue_limit=_number(env, "QUEUE_LIMIT", cls.queue_limit, low=0),
            onnx_threads=_number(env, "ONNX_THREADS", cls.onnx_threads, low=0, high=64),
            rate_limit=parse_rate_limit(rate) if rate else None,
            cors_origins=origins,
            gate_no_defect=_number(env, "GATE_NO_DEFECT", None, float, 0.0, 1.0),
            mask_threshold=_number(env, "MASK_THRESHOLD", None, float, 0.0, 1.0),
            log_level=(env.get(PREFIX + "LOG_LEVEL", "").strip() or "INFO").upper(),
            mm_per_pixel=_number(env, "MM_PER_PIXEL", None, float, positive=True),
            rules=_path(env, PREFIX + "RULES"),
        )
