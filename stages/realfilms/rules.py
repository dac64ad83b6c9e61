"""The rules of the real-film detector's params sections (realfilms/params.yaml), which its stages check before
they do any work; a module of its own so that a stage imports them without the detector's code."""

from stages.validation import flag, integer, number, numbers, odd_integer, text

MASKED_RULES = {"root": text()}  # the hand-masked films: root/W0001 films, root/W0002 masks
DETECTOR_RULES = {"size": odd_integer(3), "smooth": number(0), "max_grain": number(0, low_open=True),
                  "min_area": integer(1), "extents": numbers(0, 255), "thresholds": numbers(0, 1),
                  "peak_shares": numbers(0, 0.99), "learn_from_table": flag(), "seed": integer(0),
                  "estimators": integer(1), "learning_rate": number(0, 1), "max_leaf_nodes": integer(2),
                  "min_samples_leaf": integer(1)}
BASELINE_RULES = {"tophat_sizes": numbers(3, 255, integers=True), "tophat_levels": numbers(0, 255),
                  "hysteresis_extents": numbers(0, 255), "hysteresis_peaks": numbers(0, 255), "unet_models": text(),
                  "unet_thresholds": numbers(0, 1)}
CELLS_RULES = {"folds": integer(2), "seeds": numbers(0, integers=True), "thresholds": numbers(0, 1),
               "min_areas": numbers(1, integers=True), "tophat_levels": numbers(0, 255),
               "class_estimators": integer(1), "cell_model_cs": numbers(0.0001)}
