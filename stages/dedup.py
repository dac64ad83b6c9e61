"""Stage dedup: pool the split folders, drop exact duplicates, audit near duplicates."""

import pandas as pd

from riawelc.data.dataset import DatasetError, scan_tree
from riawelc.data.dedup import NEAR_DUPLICATE_MODES, dedup_report, deduplicate
from stages.common import fail, load_params, paths, stage_dirs, write_json
from stages.validation import choice, integer

RULES = {"near_duplicates": choice(*NEAR_DUPLICATE_MODES), "phash_distance": integer(0, 64)}


def main() -> None:
    params = load_params("dedup", RULES)
    folders = paths()
    try:
        scan = scan_tree(folders["data"])
    except DatasetError as error:
        fail(str(error))
    result = deduplicate(scan, params["near_duplicates"], params["phash_distance"])
    out, results = stage_dirs("dedup")
    result.manifest.to_csv(out / "manifest.csv", index=False)
    rejects = pd.DataFrame([(str(r.path), r.reason) for r in scan.rejects], columns=["path", "reason"])
    rejects.to_csv(out / "rejects.csv", index=False)
    write_json(out / "details.json", {"label_conflicts": result.conflicts, "near_duplicates": result.near_duplicates})
    report = dedup_report(scan, result)
    write_json(results / "report.json", report)
    print(f"dedup: {report['images_before']} -> {report['images_after']} images "
          f"({report['exact_duplicates_removed']} exact duplicates, {report['near_duplicates_removed']} near "
          f"duplicates removed; {report['label_conflicts']} label conflicts; {report['rejected_files']} rejected)")


if __name__ == "__main__":
    main()
