"""The one source of truth for class names, sizes and folder names.

Everything else (the pipeline, the tests, the service) imports from here.
"""

# Model output order. Never reorder: exported models and their cards depend on it.
CLASSES = ("crack", "lack_of_penetration", "no_defect", "porosity")
NO_DEFECT = "no_defect"
DEFECT_CLASSES = tuple(c for c in CLASSES if c != NO_DEFECT)

# RIAWELC's Italian folder names (Difetto = defect). Difetto1 is crack and Difetto4 lack of penetration, as
# RIAWELC's patches located on the GDXray films and its folder sizes show (README: "Class folders");
# RIAWELC-RS has these two the other way round.
RIAWELC_FOLDERS = {
    "Difetto1": "crack",
    "Difetto2": "porosity",
    "Difetto4": "lack_of_penetration",
    "NoDifetto": "no_defect",
}

# Split folders of the original RIAWELC release, and the splits this project makes.
ORIGINAL_SPLITS = ("training", "validation", "testing")
SPLITS = ("train", "val", "test")

# Folder beside the split folders that holds true masks (synthetic sample only), by file name.
MASKS_DIRNAME = "masks"

PATCH_SIZE = 227  # RIAWELC patches are 227 x 227, 8-bit grayscale
# The U-Net input must be divisible by 32 (five 2x downsamplings in the encoder): 227 is not, 224 is.
UNET_SIZE = 224

# The exported models: <name>.onnx, <name>.json (its card) and <name>.int8.onnx in a model folder.
CLASSIFIER, UNET = "classifier", "unet"
MODEL_NAMES = (CLASSIFIER, UNET)

# Drawing colours (BGR, as OpenCV draws) of the defect classes: the film overlays and the film sheets.
CLASS_COLOURS = {"crack": (60, 60, 255), "lack_of_penetration": (255, 140, 40), "porosity": (0, 200, 255),
                 "no_defect": (90, 200, 90)}

MM_PER_PIXEL = 0.0403  # GDXray / BAM films: 40.3 um per pixel (630 dpi)
CELL_PX = 10.0 / MM_PER_PIXEL  # the BAM flaw table's 1 cm cells along the film, in film pixels (about 248)
CLASS_INDEX = {name: i for i, name in enumerate(CLASSES)}

# How a pseudo-mask is refined (riawelc.inspect.pseudomask): here so that params checks need not import it.
REFINE_MODES = ("none", "dark")
