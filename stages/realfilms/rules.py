"""The params rules that the delineator's training (stage delineator) shares with the detector's stages: the masked
films' section, and the film smoothing of the detector's section. A module of its own, apart from the detector's
other rules (stages/realfilms/detection.py), so that a change to those does not retrain the delineator."""

from stages.validation import number, text

MASKED_RULES = {"root": text()}  # the hand-masked films: root/W0001 films, root/W0002 masks
SMOOTHING_RULES = {"smooth": number(0), "max_grain": number(0, low_open=True)}  # detector.smooth, detector.max_grain
