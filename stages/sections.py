"""The params sections that more than one stage reads, with their rules: classify (the classify stage and the
real-film folds train alike) and pseudomask (the pseudomask stage, and export writes it into the U-Net's card).
Kept here so that no stage imports another."""

from riawelc.constants import REFINE_MODES
from stages.validation import Rule, choice, flag, integer, number, number_pair, odd_integer, text

SEED = integer(0, 2**32 - 1)
PSEUDOMASK_RULES = {
    "threshold": number(0, 1), "open_radius": integer(0), "close_radius": integer(0), "fill_holes": flag(),
    "min_area": integer(0), "refine": choice(*REFINE_MODES), "dark_window": odd_integer(3), "dark_k": number(0),
    "dark_min_delta": number(0), "dark_dilate": integer(0), "dark_fallback": flag(),
}


def classify_rules() -> dict[str, Rule]:
    """The classify section's rules. A function, because the choices are named by TensorFlow modules: only the
    stages that train import them."""
    from riawelc.learn.models import BACKBONES
    from riawelc.learn.training import DISTRIBUTE_CHOICES, OPTIMIZERS

    return {
        "model": choice(*BACKBONES), "weights": text(), "dropout": number(0, 1, high_open=True),
        "batch_size": integer(1), "optimizer": choice(*OPTIMIZERS), "learning_rate": number(0, low_open=True),
        "weight_decay": number(0), "frozen_epochs": integer(0), "finetune_epochs": integer(0),
        "finetune_from": integer(0), "finetune_learning_rate": number(0, low_open=True), "patience": integer(1),
        "reduce_lr_patience": integer(1), "reduce_lr_factor": number(0, 1, low_open=True, high_open=True),
        "min_lr": number(0), "augment": flag(), "seed": SEED, "deterministic": flag(),
        "distribute": choice(*DISTRIBUTE_CHOICES),
        "augment_contrast": number_pair(0, low_open=True), "augment_gamma": number_pair(0, low_open=True),
        "augment_noise_std": number(0), "augment_blur_sigma": number(0, 5),
    }
