"""One module per DVC stage: read the stage's params section, call riawelc, write the outputs.

TensorFlow's start-up chatter (oneDNN, CUDA, graph attribute lines) hides the stage's own output: it is silenced
unless RIAWELC_TF_LOGS=1.
"""

import os
import sys

TENSORFLOW_STAGES = ("classify", "evaluate", "gradcam", "unet", "segeval", "export")

if os.environ.get("RIAWELC_TF_LOGS") != "1":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # `python -m stages.<name>`: import TensorFlow now, quietly, before the stage's own imports do it loudly.
    if any(arg in {f"stages.{name}" for name in TENSORFLOW_STAGES} for arg in getattr(sys, "orig_argv", [])):
        from riawelc.quiet import import_tensorflow_quietly

        import_tensorflow_quietly()
