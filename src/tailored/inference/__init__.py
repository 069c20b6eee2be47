"""Inference at ingest: what an author would have annotated, derived from the book itself."""

from tailored.inference.book import (
    KINDS,
    InferenceConfig,
    InferenceConfigError,
    book_order,
    infer_book,
    read_config,
)
from tailored.inference.model import (
    VERSION,
    BookInference,
    ChapterHints,
    KeyPoint,
    MinedTerm,
    SectionHint,
    TermLink,
    from_json,
    to_json,
)

__all__ = [
    "KINDS",
    "VERSION",
    "BookInference",
    "ChapterHints",
    "InferenceConfig",
    "InferenceConfigError",
    "KeyPoint",
    "MinedTerm",
    "SectionHint",
    "TermLink",
    "book_order",
    "from_json",
    "infer_book",
    "read_config",
    "to_json",
]
