"""Scores: classification (accuracy, macro-F1, confusion), segmentation (IoU, Dice), whole films (pixel, component
and top-hat baseline scores, the hand-masked films' evaluation), and the galleries and contact sheets that show them. May import
numpy, OpenCV, scikit-learn, riawelc.inspect and the top level."""

from riawelc.lazy import lazy_exports

# Public names by module; each is imported on first use (riawelc/lazy.py says why).
EXPORTS = {
    "classification": ("classification_metrics", "confusion", "confusion_rows", "fold_scores", "majority_scores",
                       "spread"),
    "film": ("black_tophat_score", "component_recall", "film_scores", "pixel_scores"),
    "filmeval": ("evaluate_film", "leave_one_film_out", "read_annotated"),
    "gallery": ("best_median_worst", "grid_image", "save_grid"),
    "sheets": ("component_cases", "contact_sheet", "write_sheet"),
    "segmentation": ("dice", "iou", "per_class_scores"),
}
__all__ = [name for names in EXPORTS.values() for name in names]
__getattr__, __dir__ = lazy_exports(__name__, EXPORTS)
