"""Learning: the Keras classifiers and U-Net, their augmentation and training loops, determinism, Grad-CAM with a
gradient tape, and the classical baseline (hand-made patch features and gradient boosting), and the real-film detector's training with
its leave-one-film-out protocol. The one subpackage that
imports TensorFlow, Keras and scikit-learn; may import riawelc.data, riawelc.inspect, riawelc.metrics and the top
level."""

from riawelc.lazy import lazy_exports

# Public names by module; each is imported on first use (riawelc/lazy.py says why).
EXPORTS = {
    "arms": ("run_arm", "train_cnn"),
    "classical": ("patch_features", "train_classical"),
    "detector": ("BoostingParams", "Choice", "average_ensembles", "build_detector", "choose_by_crossfit",
                 "film_candidates", "fit_ensemble", "train_rejector"),
    "determinism": ("seed_everything",),
    "lofo": ("leave_one_out_grid", "mask_scores", "summarise"),
    "gradcam": ("gradcam_model", "gradcam_with_tape", "load_cam_predictor"),
    "models": ("BACKBONES", "build_classifier", "cam_model"),
    "training": ("TrainConfig", "predict_probabilities", "train_classifier", "train_config"),
    "unet": ("UNetTrainConfig", "build_unet", "train_unet"),
}
__all__ = [name for names in EXPORTS.values() for name in names]
__getattr__, __dir__ = lazy_exports(__name__, EXPORTS)
