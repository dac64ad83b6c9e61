"""Model information: what the service runs, from the model cards (serve.cards)."""

from litestar import Response, get

from serve import cards
from serve.controllers.base import GuardedController, versioned
from serve.problems import problem_responses
from serve.schemas import ModelInfo
from serve.service import Service


class ModelsController(GuardedController):
    tags = ["models"]
    problems = problem_responses(401, 503)

    @get("/model/info",
         summary="KServe V2 (Open Inference Protocol) model metadata, classes, hashes, metrics and training data; "
                 "the acceptance rules of /inspect")
    async def model_info(self, service: Service) -> Response[ModelInfo]:
        models = service.require_models()
        return versioned(models, cards.model_info(models, service.rules_info))
