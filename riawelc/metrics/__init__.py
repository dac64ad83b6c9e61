"""Scores: classification (accuracy, macro-F1, confusion), segmentation (IoU, Dice), whole films (pixel, component
and top-hat baseline scores, the hand-masked films' evaluation), and the galleries and contact sheets that show them. May import
numpy, OpenCV, scikit-learn, riawelc.inspect and the top level."""

from riawelc.metrics.classification import (classification_metrics, confusion, confusion_rows, fold_scores,
                                            majority_scores, spread)
from riawelc.metrics.film import black_tophat_score, component_recall, film_scores, pixel_scores
from riawelc.metrics.filmeval import evaluate_film, leave_one_film_out, read_annotated
from riawelc.metrics.gallery import best_median_worst, grid_image, save_grid
from riawelc.metrics.sheets import component_cases, contact_sheet, write_sheet
from riawelc.metrics.segmentation import dice, iou, per_class_scores

__all__ = ["component_cases", "contact_sheet", "write_sheet", "best_median_worst", "black_tophat_score", "classification_metrics", "component_recall", "confusion",
           "confusion_rows", "dice", "fold_scores", "majority_scores", "spread", "evaluate_film", "film_scores", "grid_image", "iou", "leave_one_film_out",
           "per_class_scores", "pixel_scores", "read_annotated", "save_grid"]
