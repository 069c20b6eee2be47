"""Markdown/MDX document model, protected regions and structure verifier."""

from tailored.markdown.anchors import Slugger, parse_heading_id, slugify
from tailored.markdown.blocks import Admonition, Block, BlockKind, Code, Heading
from tailored.markdown.document import Document, Splice, parse_document
from tailored.markdown.protect import (
    AlteredPlaceholderError,
    DuplicatedPlaceholderError,
    Masked,
    MissingPlaceholderError,
    PlaceholderError,
    UnknownPlaceholderError,
    mask,
    unmask,
)
from tailored.markdown.sections import Section, SectionKind, split_sections
from tailored.markdown.verify import (
    Issue,
    IssueCode,
    VerificationResult,
    removed_code,
    removed_headings,
    removed_targets,
    verify_structure,
)

__all__ = [
    "Admonition",
    "AlteredPlaceholderError",
    "Block",
    "BlockKind",
    "Code",
    "Document",
    "DuplicatedPlaceholderError",
    "Heading",
    "Issue",
    "IssueCode",
    "Masked",
    "MissingPlaceholderError",
    "PlaceholderError",
    "Section",
    "SectionKind",
    "Slugger",
    "Splice",
    "UnknownPlaceholderError",
    "VerificationResult",
    "mask",
    "parse_document",
    "parse_heading_id",
    "removed_code",
    "removed_headings",
    "removed_targets",
    "slugify",
    "split_sections",
    "unmask",
    "verify_structure",
]
