"""The service's endpoints by area, one Litestar Controller each (create_app mounts them all)."""

from serve.controllers.films import FilmsController
from serve.controllers.models import ModelsController
from serve.controllers.operations import OperationsController
from serve.controllers.page import PageController
from serve.controllers.patches import PatchesController

CONTROLLERS = [OperationsController, PatchesController, FilmsController, ModelsController, PageController]

__all__ = ["CONTROLLERS", "FilmsController", "ModelsController", "OperationsController", "PageController",
           "PatchesController"]
