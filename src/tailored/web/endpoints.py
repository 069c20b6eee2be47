"""The reader: one static page that lists chapters, shows one, and toggles personalization.

The page and its script are static files; everything else comes from the JSON API. Chapter
HTML is sanitized on the server (`render.py`) and the page's Content-Security-Policy allows
scripts from this origin only, so even markup that slipped through could not run code.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import re
from functools import lru_cache
from importlib.resources import files
from pathlib import PurePosixPath

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from tailored.content import service as content
from tailored.content.endpoints import CHAPTER_ERRORS, ChapterDep
from tailored.content.ids import InvalidChapterId, resolve_inside
from tailored.deps import SessionDep, SettingsDep
from tailored.errors import NotFound, error_responses
from tailored.markdown.render import render_html_async
from tailored.web.navigation import category_labels, navigation_items
from tailored.web.schemas import ChapterHtmlOut, HeadingOut, NavigationOut

router = APIRouter(tags=["reader"])
_STATIC = files("tailored.web").joinpath("static")

# No inline script or style anywhere (not even `style=` attributes: the sanitizer drops them),
# no plugins, no framing, no <base> rewriting, and fetch() only to this origin.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # The page and its script change with the installed version; always revalidate.
    "Cache-Control": "no-cache",
}
# Images a chapter may show. SVG can hold scripts: it is served under a sandboxing CSP and
# the reader only ever loads it through <img>, where scripts never run.
IMAGE_TYPES = {
    ".avif": "image/avif",
    ".gif": "image/gif",
    ".jpeg": "image/jpeg",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}
_ASSET_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def _static(name: str) -> str:
    return _STATIC.joinpath(name).read_text(encoding="utf-8")


@router.get("/", include_in_schema=False)
async def root() -> RedirectResponse:
    return RedirectResponse("/reader")


@router.get("/reader", response_class=HTMLResponse, include_in_schema=False)
async def reader() -> HTMLResponse:
    """The reader page (static; it talks to the JSON API)."""
    return HTMLResponse(_static("reader.html"), headers=_PAGE_HEADERS)


# The page's own files: modules, styles and the bundled Arabic-script fonts. Names are
# checked against this pattern and the package's folder, never joined from the request as is.
_STATIC_NAME_RE = re.compile(r"^(?:(?:js|fonts)/)?[a-z0-9][a-z0-9.-]*\.(?:js|css|woff2)$")
_STATIC_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".woff2": "font/woff2",
}


# Bounded: misses are cached too, and a client can ask for any number of names.
@lru_cache(maxsize=64)
def _static_file(name: str) -> tuple[bytes, bytes | None, str] | None:
    """(bytes, gzipped bytes or None, ETag) of a file the page loads; None when there is no
    such file. Text is compressed once, here: fonts are compressed already."""
    if not _STATIC_NAME_RE.match(name):
        return None
    entry = _STATIC.joinpath(name)
    if not entry.is_file():
        return None
    body = entry.read_bytes()
    packed = None if name.endswith(".woff2") else gzip.compress(body, compresslevel=9, mtime=0)
    return body, packed, '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


@router.get("/reader/static/{name:path}", include_in_schema=False)
async def reader_static(name: str, request: Request) -> Response:
    """A module, stylesheet or font of the page. Revalidated with an ETag: a repeat visit
    transfers headers only (304) until the installed version changes."""
    found = _static_file(name)
    if found is None:
        raise NotFound("no such file")
    body, packed, etag = found
    headers = {**_PAGE_HEADERS, "ETag": etag, "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    media_type = _STATIC_TYPES[PurePosixPath(name).suffix]
    if packed is not None and "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        body = packed
    return Response(body, media_type=media_type, headers=headers)


@router.get(
    "/reader/assets/{path:path}", include_in_schema=False, responses=error_responses(NotFound)
)
async def reader_asset(path: str, settings: SettingsDep) -> FileResponse:
    """An image from the content folder, by its path there (what chapters link to)."""
    media_type = IMAGE_TYPES.get(PurePosixPath(path).suffix.lower())
    if settings.content_dir is None or media_type is None:
        raise NotFound("no such image")
    try:
        file = resolve_inside(settings.content_dir, path)
    except InvalidChapterId:
        raise NotFound("no such image") from None
    if not file.is_file():
        raise NotFound("no such image")
    return FileResponse(
        file,
        media_type=media_type,
        headers={"Content-Security-Policy": _ASSET_CSP, "X-Content-Type-Options": "nosniff"},
    )


@router.get("/api/chapters/{chapter_id:path}/html", responses=CHAPTER_ERRORS)
async def chapter_html(chapter: ChapterDep) -> ChapterHtmlOut:
    """The original chapter as sanitized HTML (what the reader shows)."""
    return ChapterHtmlOut(
        chapter_id=chapter.id,
        title=chapter.title,
        path=chapter.path,
        html=await render_html_async(chapter.source),
    )


@router.get("/api/reader/headings")
async def headings(session: SessionDep) -> list[HeadingOut]:
    """Every section heading in reading order: what the reader's search box looks through
    when no search index answers."""
    return [
        HeadingOut(chapter_id=c, anchor=a, heading=t, level=lv)
        for c, a, t, lv in await content.headings(session)
    ]


@router.get("/api/navigation", responses=error_responses(NotFound))
async def navigation(settings: SettingsDep) -> NavigationOut:
    """The book's sidebar: its sidebars file as a tree, else (`items` empty) the folders'
    `_category_` labels for the reader to group the chapter list with (404 without a content
    folder)."""
    root = settings.content_dir
    if root is None:
        raise NotFound("no content folder is configured")
    items = await asyncio.to_thread(navigation_items, root)
    if items is not None:
        return NavigationOut(items=items)
    return NavigationOut(items=[], categories=await asyncio.to_thread(category_labels, root))
