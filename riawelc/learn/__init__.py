"""Learning: the Keras classifiers and U-Net, their augmentation and training loops, determinism, Grad-CAM with a
gradient tape, and the classical baseline (hand-made patch features and gradient boosting), and the real-film detector's training with
its leave-one-film-out protocol. The one subpackage that
imports TensorFlow, Keras and scikit-learn; may import riawelc.data, riawelc.inspect, riawelc.metrics and the top
level."""

from riawelc.learn.arms import run_arm, train_cnn
from riawelc.learn.classical import patch_features, train_classical
from riawelc.learn.detector import (BoostingParams, Choice, average_ensembles, build_detector, choose_by_crossfit,
                                    film_candidates, fit_ensemble, train_rejector)
from riawelc.learn.determinism import seed_everything
from riawelc.learn.lofo import leave_one_out_grid, mask_scores, summarise
from riawelc.learn.gradcam import gradcam_model, gradcam_with_tape, load_cam_predictor
from riawelc.learn.models import BACKBONES, build_classifier, cam_model
from riawelc.learn.training import TrainConfig, predict_probabilities, train_classifier, train_config
from riawelc.learn.unet import UNetTrainConfig, build_unet, train_unet

__all__ = ["BoostingParams", "Choice", "average_ensembles", "build_detector", "choose_by_crossfit",
           "film_candidates", "fit_ensemble", "leave_one_out_grid", "mask_scores", "summarise", "train_rejector",
           "BACKBONES", "TrainConfig", "UNetTrainConfig", "build_classifier", "build_unet", "cam_model",
           "gradcam_model", "gradcam_with_tape", "load_cam_predictor", "run_arm", "patch_features", "predict_probabilities",
           "seed_everything", "train_classical", "train_classifier", "train_cnn", "train_config",
           "train_unet"]
