"""Stage filmsample: synthetic whole films with true masks (riawelc.synth.film), so that the whole-film
evaluation stage runs on the embedded sample too. Written in GDXray's annotated layout (W0001 films, W0002
masks), the layout the real annotated films come in."""

from riawelc.synth.film import FilmSpec, write_films
from stages.common import StageTimer, load_params, stage_dirs, write_json
from stages.validation import integer

RULES = {"films": integer(1, 20), "height": integer(300, 4000), "width": integer(300, 10000),
         "defects_per_film": integer(1, 40), "seed": integer(0)}


def main() -> None:
    params = load_params("filmsample", RULES)
    out, results = stage_dirs("filmsample")
    spec = FilmSpec(params["height"], params["width"], params["defects_per_film"])
    with StageTimer(results):
        summary = write_films(out, params["films"], params["seed"], spec)
    write_json(results / "summary.json", summary)
    print(f"filmsample: {len(summary['films'])} films of {spec.width} x {spec.height} px, "
          f"{sum(len(f['defects']) for f in summary['films'])} defects")


if __name__ == "__main__":
    main()
