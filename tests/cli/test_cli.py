"""The `riawelc` command (riawelc.cli): help on every level, a real run of each data command on tiny inputs, bad
input as one error line with exit code 2, and the progress callbacks of the library's long loops."""

import csv
import json
import subprocess
import sys

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

import riawelc
import riawelc.cli.composite
import riawelc.synth.composite
from riawelc.cli import app
from riawelc.constants import CLASSES, PATCH_SIZE
from riawelc.films.options import load_options
from riawelc.films.tree import convert
from riawelc.images import write_png
from riawelc.inspect.film import FilmSettings, inspect_folder
from tests.conftest import REPO
from tests.synth.test_composite import _film_tree
from tests.inspect.test_filminspect import band_film, fake_models
from tests.films.test_films import quiet, write_film_folder

COMMANDS = ("films", "composite", "inspect", "quantize", "serve")


def cli(*args, **kwargs):
    """`riawelc ARGS` in this process (Typer's runner: stdout and stderr apart)."""
    return CliRunner().invoke(app, [str(arg) for arg in args], **kwargs)


def test_help_lists_every_command():
    result = cli("--help")
    assert result.exit_code == 0
    for command in COMMANDS:
        assert f" {command} " in result.stdout
    assert cli("--version").stdout.strip() == f"riawelc {riawelc.__version__}"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = cli(command, "--help")
    assert result.exit_code == 0, result.output
    assert f"riawelc {command}" in result.stdout and "--help" in result.stdout


def test_films_help_has_a_flag_for_every_film_option():
    text = cli("films", "--help", terminal_width=200).stdout
    for flag in ("--stride", "--window-scale", "--defect-windows", "--spot-classes", "--exclude", "--seed"):
        assert flag in text
    assert "--seam-rows" not in text  # nested options: in the --config file only


def test_python_dash_m_riawelc_is_the_same_command():
    result = subprocess.run([sys.executable, "-m", "riawelc", "--help"], cwd=REPO, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "Usage: riawelc" in result.stdout and all(command in result.stdout for command in COMMANDS)


def test_the_composite_defaults_shown_are_the_librarys():
    assert riawelc.cli.composite.CONTRAST == riawelc.synth.composite.CONTRAST
    assert riawelc.cli.composite.SHAPES == riawelc.synth.composite.SHAPES


def test_films_end_to_end(tmp_path):
    films = write_film_folder(tmp_path / "W0003")
    out = tmp_path / "tree"
    result = cli("films", "--films", films, "--out", out, "--stride", "228")
    assert result.exit_code == 0, result.output
    assert "RRT-30R" in result.stdout and "patches in" in result.stdout and f"tree: {out}" in result.stdout
    report = json.loads((tmp_path / "tree-report" / "films.json").read_text())
    assert report["options"]["stride"] == 228
    written = sorted(p.relative_to(out).parts[0] for p in out.rglob("*.png"))
    assert written and sum(report["patches"].values()) == len(written) and set(written) <= set(CLASSES)
    again = cli("films", "--films", films, "--out", out)  # not empty, no --force
    assert again.exit_code == 2 and again.stderr.count("\n") == 1 and "--force" in again.stderr


def test_composite_end_to_end(tmp_path):
    _film_tree(tmp_path / "films", count=4)
    out = tmp_path / "drawn"
    result = cli("composite", "--patches", tmp_path / "films", "--out", out, "--seed", "1", "--shapes", "film",
                     "--every-class", "--contrast", "5", "9")
    assert result.exit_code == 0, result.output
    assert "16 patches from 2 films" in result.stdout
    report = json.loads((tmp_path / "drawn-report.json").read_text())
    assert (report["seed"], report["shapes"], report["every_class"], report["contrast_sigmas"]) == (1, "film", True,
                                                                                                      [5.0, 9.0])
    assert len(list((out / "masks").glob("*.png"))) == 12
    refused = cli("composite", "--patches", tmp_path / "films", "--out", out)
    assert refused.exit_code == 2 and "is not empty" in refused.stderr


def test_inspect_end_to_end(onnx_models, tmp_path):
    films = tmp_path / "films"
    films.mkdir()
    cv2.imwrite(str(films / "one.png"), band_film(300, 600, seed=1))
    cv2.imwrite(str(films / "two.png"), band_film(300, 500, seed=2))
    out = tmp_path / "out"
    result = cli("inspect", "--models", onnx_models, "--films", films, "--out", out, "--source", "unet_gated",
                     "--region", "film", "--stride", "150", "--threshold", "0.5", "--threads", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("2 films, models ") and "2 inspected, 0 failed" in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["settings"]["source"] == "unet_gated" and summary["settings"]["stride"] == 150
    assert [f["status"] for f in summary["films"]] == ["inspected", "inspected"]
    for folder in ("masks", "probability", "overlays"):
        assert sorted(p.name for p in (out / folder).iterdir()) == ["one.png", "two.png"]


def test_inspect_a_folder_with_the_detector_writes_one_mask_per_film(tmp_path):
    """`riawelc inspect FOLDER --out OUT --detector D`: the detector is the default source; masks/<name>.png of the
    film's size (255 = defect) equal what inspect_film gives; a corrupt film is reported and the others go on."""
    from riawelc.inspect.candidates import CandidateSettings
    from riawelc.inspect.cells import CELL_FEATURES, CellModel
    from riawelc.inspect.detector import Detector
    from riawelc.inspect.film import FilmModels, inspect_film

    films = tmp_path / "films"
    films.mkdir()
    film = band_film(300, 700, seed=3)
    for x in (150, 350, 550):  # three dark pores on the seam
        cv2.circle(film, (x, 150), 6, int(film[150, x]) - 30, -1)
    cv2.imwrite(str(films / "one.png"), film)
    (films / "broken.png").write_bytes(b"not a png")
    detector = tmp_path / "detector.json"
    n = len(CELL_FEATURES)  # its cell model calls a cell defect when its darkest 25-px top-hat exceeds 10 levels
    cell_model = CellModel(np.zeros(n), np.ones(n), np.eye(n)[CELL_FEATURES.index("hat25_max")], -10.0)
    Detector(CandidateSettings(extent=3.0, peak=10.0), cell_model=cell_model).save(detector)
    out = tmp_path / "out"
    result = cli("inspect", films, "--out", out, "--models", tmp_path / "no-models", "--detector", detector)
    assert result.exit_code == 1, result.output
    assert "source candidates" in result.stdout and "1 inspected, 1 failed" in result.stdout
    assert "3 of 3 cells defect" in result.stdout  # 700 px: three 1 cm cells, one pore in each
    cells = json.loads((out / "regions" / "one.json").read_text())["cells"]
    assert [(c["cell"], c["defect"]) for c in cells] == [(1, True), (2, True), (3, True)]
    assert json.loads((out / "summary.json").read_text())["films"][1]["defect_cells"] == 3
    mask = cv2.imread(str(out / "masks" / "one.png"), cv2.IMREAD_UNCHANGED)
    expected = inspect_film(film, FilmModels(None, None, 1.0, detector=Detector.load(detector)),
                            FilmSettings(source="candidates")).mask
    assert mask.shape == film.shape and set(mask.ravel().tolist()) <= {0, 255}
    assert (mask > 0).tolist() == (expected > 0).tolist() and mask[150, [150, 350, 550]].tolist() == [255] * 3
    twice = cli("inspect", films, "--films", films, "--out", out)
    assert twice.exit_code == 2 and "once" in twice.stderr


def test_inspect_defaults_to_the_real_film_pipelines_detector(tmp_path, monkeypatch):
    """With no --detector and none in MODELS, `riawelc inspect FOLDER --out OUT` runs the detector the real-film
    pipeline built (realfilms/out/models/detector.json) and says so; one in MODELS, or --detector, goes first."""
    from riawelc.cli.film_options import REAL_FILM_DETECTOR
    from riawelc.inspect.candidates import CandidateSettings
    from riawelc.inspect.detector import Detector

    monkeypatch.chdir(tmp_path)
    films = tmp_path / "films"
    films.mkdir()
    film = band_film(300, 700, seed=3)
    cv2.circle(film, (350, 150), 6, int(film[150, 350]) - 30, -1)
    cv2.imwrite(str(films / "one.png"), film)
    without = cli("inspect", films, "--out", tmp_path / "none")
    assert without.exit_code == 2 and "models" in without.stderr  # nothing built: no models, no detector
    REAL_FILM_DETECTOR.parent.mkdir(parents=True)
    Detector(CandidateSettings(extent=3.0, peak=10.0)).save(REAL_FILM_DETECTOR)
    result = cli("inspect", films, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert f"detector: {REAL_FILM_DETECTOR.as_posix()}" in result.stdout and "source candidates" in result.stdout
    assert cv2.imread(str(tmp_path / "out" / "masks" / "one.png"), cv2.IMREAD_UNCHANGED)[150, 350] == 255
    own = tmp_path / "models"
    own.mkdir()
    Detector(CandidateSettings(extent=3.0, peak=200.0)).save(own / "detector.json")  # keeps nothing
    mine = cli("inspect", films, "--out", tmp_path / "mine")
    assert mine.exit_code == 0, mine.output
    assert "detector: " not in mine.stdout
    assert cv2.imread(str(tmp_path / "mine" / "masks" / "one.png"), cv2.IMREAD_UNCHANGED).max() == 0


def test_quantize_end_to_end(onnx_models, tmp_path):
    pytest.importorskip("onnx")
    rows = []
    for k in range(6):
        path = tmp_path / "patches" / f"p{k}.png"
        write_png(path, band_film(PATCH_SIZE, PATCH_SIZE, seed=k))
        rows.append({"path": str(path), "label": CLASSES[k % len(CLASSES)], "split": "train" if k < 4 else "test"})
    with open(tmp_path / "manifest.csv", "w", newline="") as file:
        writer = csv.DictWriter(file, ["path", "label", "split"])
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "int8"
    result = cli("quantize", "--models", onnx_models, "--manifest", tmp_path / "manifest.csv", "--out", out,
                     "--calibration", "3", "--threads", "1")
    assert result.exit_code == 0, result.output
    assert f"int8_report.json in {out}" in result.stdout
    report = json.loads((out / "int8_report.json").read_text())
    assert report["calibration"]["seed"] == 0 and {"classifier", "unet"} <= set(report)
    assert (out / "classifier.int8.onnx").is_file() and (out / "unet.int8.onnx").is_file()


@pytest.mark.parametrize("command, folder_flag", [
    ("films", "--films"), ("composite", "--patches"), ("inspect", "--films"), ("quantize", "--models"),
])
def test_a_missing_folder_is_one_error_line_with_exit_code_2(command, folder_flag, tmp_path):
    missing = tmp_path / "nowhere"
    args = [command, folder_flag, missing]
    if command != "quantize":
        args += ["--out", tmp_path / "out"]
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and str(missing) in result.stderr, result.stderr
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


def test_the_real_command_fails_the_same_way(tmp_path):
    result = subprocess.run([sys.executable, "-m", "riawelc", "films", "--films", str(tmp_path / "nowhere"),
                             "--out", str(tmp_path / "out")], cwd=REPO, capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 2
    assert result.stderr == f"films: --films {tmp_path / 'nowhere'} is not a folder\n" and result.stdout == ""


def test_serve_checks_the_settings_then_runs_uvicorn_with_the_app_factory(monkeypatch):
    pytest.importorskip("uvicorn")
    import uvicorn

    bad = cli("serve", env={"RIAWELC_WORKERS": "many"})
    assert bad.exit_code == 2 and bad.stderr == "error: RIAWELC_WORKERS='many' is not an integer\n"
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    assert cli("serve").exit_code == 0
    assert cli("serve", "--host", "0.0.0.0", "--port", "9000").exit_code == 0
    assert calls == [(("serve.app:create_app",), {"factory": True, "host": host, "port": port, "access_log": False})
                     for host, port in (("127.0.0.1", 8000), ("0.0.0.0", 9000))]
    assert cli("serve", "--port", "70000").exit_code == 2


def test_the_long_loops_report_progress(tmp_path):
    seen = []
    films = write_film_folder(tmp_path / "W0003")
    summary = convert(films, tmp_path / "tree", tmp_path / "report", load_options(), log=quiet,
                      progress=lambda done, total, name: seen.append((done, total, name)))
    assert [done for done, _, _ in seen] == list(range(1, len(summary["films"]) + 1))
    assert {total for _, total, _ in seen} == {len(summary["films"])}
    assert [name for _, _, name in seen] == [film["film"] for film in summary["films"]]
    seen.clear()
    folder = tmp_path / "films"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.png"), band_film(300, 400))
    (folder / "b.png").write_bytes(b"not a png")  # a film that fails still counts
    inspect_folder(folder, fake_models(), tmp_path / "out", FilmSettings(threshold=0.5), log=quiet,
                   progress=lambda done, total, name: seen.append((done, total, name)))
    assert seen == [(1, 2, "a.png"), (2, 2, "b.png")]
    assert (tmp_path / "out" / "masks" / "a.png").is_file() and not (tmp_path / "out" / "masks" / "b.png").exists()
