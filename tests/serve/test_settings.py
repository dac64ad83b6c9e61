"""Settings from RIAWELC_* variables, their defaults and their errors; CORS from the settings."""

from pathlib import Path

import pytest

from serve.settings import Settings, SettingsError, parse_rate_limit


def test_defaults_without_any_variable():
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.model_dir == Path("models") and settings.api_key is None and settings.rate_limit is None
    assert settings.gate_no_defect is None and settings.mask_threshold is None and settings.cors_origins == ()


def test_every_variable_is_read():
    settings = Settings.from_env({
        "RIAWELC_MODEL_DIR": "/srv/models", "RIAWELC_API_KEY": "k", "RIAWELC_MAX_BODY_BYTES": "5000",
        "RIAWELC_MAX_PIXELS": "1000000", "RIAWELC_MAX_FILM_PIXELS": "9000000", "RIAWELC_MAX_BATCH": "8", "RIAWELC_WORKERS": "3",
        "RIAWELC_QUEUE_LIMIT": "0", "RIAWELC_ONNX_THREADS": "2", "RIAWELC_RATE_LIMIT": "60/minute",
        "RIAWELC_CORS_ORIGINS": "http://a.example, http://b.example", "RIAWELC_GATE_NO_DEFECT": "0.9",
        "RIAWELC_MASK_THRESHOLD": "0.4", "RIAWELC_LOG_LEVEL": "warning", "RIAWELC_DETECTOR": "/srv/detector.json",
        "RIAWELC_MM_PER_PIXEL": "0.0403", "RIAWELC_RULES": " /srv/rules.yaml ",
    })
    assert settings == Settings(Path("/srv/models"), Path("/srv/detector.json"), "k", 5000, 1_000_000, 9_000_000, 8, 3, 0, 2, ("minute", 60),
                                ("http://a.example", "http://b.example"), 0.9, 0.4, "WARNING", 0.0403,
                                Path("/srv/rules.yaml"))


@pytest.mark.parametrize("name, value, words", [
    ("RIAWELC_WORKERS", "many", "not an integer"),
    ("RIAWELC_WORKERS", "0", "must lie in"),
    ("RIAWELC_GATE_NO_DEFECT", "1.5", "must lie in"),
    ("RIAWELC_RATE_LIMIT", "fast", "<count>/<unit>"),
    ("RIAWELC_RATE_LIMIT", "10/fortnight", "<count>/<unit>"),
    ("RIAWELC_MM_PER_PIXEL", "0", "must be positive"),
    ("RIAWELC_MM_PER_PIXEL", "-0.04", "must be positive"),
    ("RIAWELC_MM_PER_PIXEL", "40um", "not a number"),
])
def test_bad_values_name_the_variable(name, value, words):
    with pytest.raises(SettingsError, match=name) as caught:
        Settings.from_env({name: value})
    assert words in str(caught.value)


def test_rate_limit_units():
    assert parse_rate_limit("5/second") == ("second", 5)
    assert parse_rate_limit("100/hours") == ("hour", 100)


def test_cors_origins_are_allowed_and_others_not(start):
    client = start(cors_origins=("http://station.example",))
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-api-key"}
    allowed = client.options("/predict", headers={"Origin": "http://station.example", **preflight})
    assert allowed.headers.get("access-control-allow-origin") == "http://station.example"
    other = client.get("/health", headers={"Origin": "http://elsewhere.example"})
    assert "access-control-allow-origin" not in other.headers
