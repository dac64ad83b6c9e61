"""One module per DVC stage: read the stage's params section, call riawelc, write the outputs."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter hides the stage's own output
