"""The web page at / (static HTML that calls the API from the browser); not part of the API's schema."""

from pathlib import Path

from litestar import Controller, MediaType, get

PAGE = Path(__file__).parents[1] / "static" / "index.html"


class PageController(Controller):
    include_in_schema = False
    html = PAGE.read_text(encoding="utf-8")  # read once, at import

    @get("/", media_type=MediaType.HTML)
    async def page(self) -> str:
        return self.html
