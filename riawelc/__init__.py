"""riawelc: weld radiograph inspection, from deduplicated RIAWELC patches to ONNX models.

The top level holds what every part may use: `constants` (classes, sizes, RIAWELC's folders), `images` (reading,
checking and windowing images), `seam` (finding the weld seam on a film), `digest` (file hashes) and `quiet`
(silencing native start-up output). The subpackages each do one thing:

- `riawelc.data`: RIAWELC-layout trees, deduplication, radiograph-level splits, manifests (pandas);
- `riawelc.learn`: the Keras models, their training, Grad-CAM and the classical baseline (TensorFlow, scikit-learn);
- `riawelc.deploy`: ONNX export, canonical ONNX bytes and int8 copies;
- `riawelc.inspect`: class activation maps, pseudo-masks, patch and whole-film inspection (numpy, OpenCV, ONNX
  Runtime only: the service uses it);
- `riawelc.metrics`: classification, segmentation and whole-film scores, and galleries;
- `riawelc.films`: real films (GDXray/BAM) to RIAWELC-layout patch trees, with their flaw tables;
- `riawelc.synth`: synthetic patches, films and drawn defects on real windows;
- `riawelc.cli`: the `riawelc` command.
"""

__version__ = "0.1.0"
