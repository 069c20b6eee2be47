"""Mine the terms a book defines, keeping only definitions we are confident of.

A wrong definition is worse than none, so every rule is narrow and a term must look like a
noun phrase: at most five words, no digits, not an instruction ("Install ROS"), not a label the
book uses for structure ("Week 3", "Note", "Goal"). What counts as a definition:

* an acronym next to its expansion whose initials spell it: "Robot Operating System (ROS)";
* a bold or italic term followed by "is/are/refers to/means …", or by a colon or dash and a
  description that starts like one (an article or a noun, at least four words);
* a sentence "The term X refers to …" / "X refers to …" / "X is defined as …";
* a "What is X?" heading whose first sentence says what X is;
* a table whose header reads Term | Definition (or Meaning, Description).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from tailored.inference.model import MinedTerm
from tailored.inference.text import Passage, passages, plain, sentences
from tailored.markdown import Document

_MAX_DEFINITION = 320
_BOLD_LEAD_RE = re.compile(
    r"^(\*\*|__|\*|_)(?P<term>[^*_\n]{2,60}?)(?:\1\s*(?:\((?P<paren>[^()]{2,60})\))?\s*"
    r"(?P<link>is|are|refers to|means|is defined as|:|—|–| - )|(?P<inner>:)\1)\s*(?P<rest>.+)$",
    re.DOTALL,
)
_REFERS_RE = re.compile(
    r"^(?:The term |The word )?(?P<term>[A-Z][\w+-]*(?: [\w+-]+){0,3}) "
    r"(?:\((?P<paren>[^()]{2,60})\) )?(?:refers to|is defined as) (?P<rest>.+)$"
)
# "Gazebo is an open-source robot simulator …": a proper name opening a paragraph.
_NAME_IS_RE = re.compile(
    r"^(?:An? )?(?P<term>[A-Z][\w+#-]*(?: (?:[A-Z0-9][\w+#.-]*))*"
    r"|[A-Za-z][a-z-]+(?: [a-z][a-z-]+){1,2}) "
    r"(?:\((?P<paren>[^()]{2,40})\) )?(?P<verb>is|are) (?:an?|the) (?P<rest>.+)$"
)
# "the **NVIDIA Isaac** platform, a powerful toolkit for …": an appositive after a bold name.
_APPOSITIVE_RE = re.compile(
    r"\*\*(?P<term>[^*\n]{2,40})\*\*(?: (?:platform|framework|library|toolkit|tool|package|"
    r"simulator|engine|format|protocol|algorithm|model|stack))?(?:, |: | — | – |—)"
    r"(?P<rest>(?:an?|the) [^;.()]{12,160}?)[,.:;](?:\s|$)"
)
# "URDF (Unified Robot Description Format)": the acronym first, its expansion in brackets.
_REVERSE_ACRONYM_RE = re.compile(
    r"\b(?P<acr>[A-Z][A-Za-z0-9]{1,8})\b(?: [a-z]+)?\s*"
    r"\((?P<exp>[A-Z][\w-]*(?: [\w-]+){1,7})\)"
)
# "ZMP is a critical concept in …" says that it matters, not what it is.
_VAGUE_RE = re.compile(
    r"^(?:\w+[ ,]+){0,3}(?:concept|component|part|aspect|topic|area|step|challenge|"
    r"consideration|idea|element|factor|skill|piece|way|thing|example|cause|reason|mistake|"
    r"problem|benefit|advantage|goal|result|difference|choice|capability|capabilities)s?\b",
    re.IGNORECASE,
)
_CLAUSE_VERBS = frozenset(
    """is are was were knows chooses turns has have makes does can will must should gets runs
    sees takes gives uses needs lets keeps says tells wants becomes means""".split()
)
_PRONOUNS = frozenset(
    """this that these those it they we you our your their its the a an there here each every
    both all some many most such one another other""".split()
)
_WHAT_IS_RE = re.compile(
    r"^what (?:is|are) (?:an? |the )?(?P<term>[^?]{2,50}?)\s*\??$", re.IGNORECASE
)
_ACRONYM_RE = re.compile(r"\(([A-Z][A-Za-z0-9-]{1,9})\)")
_WORD_RE = re.compile(r"[A-Za-z][\w-]*")
_SMALL_WORDS = frozenset({"of", "and", "for", "the", "a", "an", "to", "in", "on", "with", "&"})
_DEFINING_VERB_RE = re.compile(r"^(?:is|are|refers to|means|is defined as)$")
# First words of a description that say what something is (after a colon or dash).
_DESCRIPTIVE_START_RE = re.compile(
    r"^(?:an?|the|one|any|each)\b",
    re.IGNORECASE,
)
_NOT_TERMS = frozenset(
    """note tip warning caution important example examples goal goals objective objectives
    duration time prerequisites prerequisite answer question solution task tasks step steps
    deliverable deliverables difficulty why how what when where who result results output
    input summary overview introduction conclusion exercise exercises lab project quiz focus
    key takeaway takeaways outcome outcomes topic topics format status requirement requirements
    option options pros cons advantages disadvantages benefit benefits challenge challenges
    reading resources reference references hint hints tools tool purpose usage use case
    problem approach idea concept context scenario description definition feature features
    cost price total recommended minimum maximum ideal best practice practices required
    optional role suggested alternative budget premium verdict caveat platform""".split()
)
# Sections whose bold lists are settings, symptoms or specs rather than definitions.
_NOT_GLOSSARY_SECTION_RE = re.compile(
    r"troubleshoot|issue|problem|error|limitation|challenge|requirement|spec|setting|control|"
    r"tip|step|install|setup|config|schedule|week|assess|grading|deliverable|checklist|option|"
    r"principle|ethic|complexit|consideration|pitfall|concern|risk",
    re.IGNORECASE,
)
_VERB_STEMS = frozenset(
    """represent comput compute remove determin determine combin combine provid provide
    describ describe defin define convert convert correct manag manage handl handle
    execut execute generat generate estimat estimate measur measure detect track
    transform publish subscrib subscribe control contain stor store process map
    connect allow enabl enable perform maintain creat create calculat calculate predict
    identif identify plan follow expand incorporat incorporate integrat integrate
    simulat simulate send receiv receive translat translate coordinat coordinate
    monitor collect filter fus fuse model render specif specify repres run hold
    produc produce captur capture learn optimiz optimize encod encode decod decode""".split()
)
_IMPERATIVE = frozenset(
    """install run create use open build configure set add check make write read test launch
    start download clone update define implement explore try learn understand compare review
    verify ensure connect deploy train apply follow see click go navigate select enable
    disable remove avoid consider keep""".split()
)


def mine_chapter(chapter_id: str, doc: Document) -> Iterator[MinedTerm]:
    for passage in passages(doc):
        yield from _from_passage(chapter_id, passage)
    yield from _what_is(chapter_id, doc)
    yield from _tables(chapter_id, doc)


def _from_passage(chapter_id: str, passage: Passage) -> Iterator[MinedTerm]:
    bold = _BOLD_LEAD_RE.match(passage.raw)
    found = _bold_definition(chapter_id, passage, bold) if bold is not None else None
    if found is not None:
        yield found
    text = plain(passage.raw)
    for sentence in sentences(text)[:3]:
        refers = _REFERS_RE.match(sentence)
        if refers is not None and _proper_name(refers.group("term")):
            definition = _clip(sentence)
            if definition and len(refers.group("rest").split()) >= 4:
                yield MinedTerm(
                    refers.group("term"),
                    definition,
                    chapter_id,
                    passage.anchor,
                    "defining-sentence",
                    0.85,
                )
    yield from _acronyms(chapter_id, passage, text)
    if not passage.in_list and found is None:
        first = (sentences(text) or [""])[0]
        named = _NAME_IS_RE.match(first)
        if named is not None and _proper_name(named.group("term")):
            rest = named.group("rest")
            if len(rest.split()) >= 5 and not _VAGUE_RE.match(rest) and (d := _clip(first)):
                definition = d
                yield MinedTerm(
                    named.group("term"),
                    definition,
                    chapter_id,
                    passage.anchor,
                    "defining-sentence",
                    0.8,
                )
    for appositive in _APPOSITIVE_RE.finditer(passage.raw):
        term = plain(appositive.group("term")).strip()
        rest = plain(appositive.group("rest"))
        if _is_term(term) and _proper_name(term) and len(rest.split()) >= 4 and _descriptive(rest):
            yield MinedTerm(term, f"{term}: {rest}", chapter_id, passage.anchor, "appositive", 0.75)


def _bold_definition(chapter_id: str, passage: Passage, match: re.Match[str]) -> MinedTerm | None:
    term = plain(match.group("term")).strip(" :")
    link = (match.group("link") or match.group("inner")).strip()
    rest = plain(match.group("rest"))
    if not _is_term(term):
        return None
    first = (sentences(rest) or [""])[0]
    words = first.split()
    if len(words) < 4 or first[:1].isdigit() or "%" in first[:12]:
        return None
    if _DEFINING_VERB_RE.match(link):
        definition = f"{term} {link} {first}"
        confidence = 0.9
    else:
        # A colon or dash: the rest must read as a description, not an instruction or a list.
        if not _descriptive(first) or _NOT_GLOSSARY_SECTION_RE.search(passage.heading):
            return None
        definition, confidence = first, 0.75
    definition = _clip(definition)
    if not definition:
        return None
    aliases: tuple[str, ...] = ()
    paren = match.group("paren")
    if paren and _initials_match(paren.strip(), term.split()):
        aliases = (paren.strip(),)
    return MinedTerm(
        term, definition, chapter_id, passage.anchor, "bold-definition", confidence, aliases
    )


def _descriptive(text: str) -> bool:
    """Reads as saying what something is or does: "A …", "Determining …", "Computes …"."""
    if _DESCRIPTIVE_START_RE.match(text):
        # "the simulator knows …" is a clause about something else, not a noun phrase.
        return not _CLAUSE_VERBS.intersection(w.strip(",").lower() for w in text.split()[:12])
    first = text.split()[0].strip(",.;:")
    lowered = first.lower()
    if not first.isalpha() or lowered in _IMPERATIVE or lowered in ("using", "being"):
        return False
    gerund = lowered.endswith("ing") and len(lowered) > 5
    # "Represents", "Computes": a verb in the third person (not a plural noun: "Sensors").
    third_person = lowered.endswith(("es", "ts", "ds", "ns", "rs", "ls", "ks")) and (
        lowered[:-1] in _VERB_STEMS or lowered[:-2] in _VERB_STEMS or lowered.endswith("izes")
    )
    return gerund or third_person


def _acronyms(chapter_id: str, passage: Passage, text: str) -> Iterator[MinedTerm]:
    for match in _ACRONYM_RE.finditer(text):
        acronym = match.group(1)
        letters = [c for c in acronym if c.isalpha()]
        if len(letters) < 2 or sum(c.isupper() for c in letters) < 2:
            continue
        before = _WORD_RE.findall(text[max(0, match.start() - 120) : match.start()])
        expansion = _expansion(acronym, before)
        if expansion is None:
            continue
        yield MinedTerm(
            acronym, expansion, chapter_id, passage.anchor, "acronym", 0.95, (expansion,)
        )
    for match in _REVERSE_ACRONYM_RE.finditer(text):
        acronym, expansion = match.group("acr"), match.group("exp")
        letters = [c for c in acronym if c.isalpha()]
        if len(letters) < 2 or sum(c.isupper() for c in letters) < 2:
            continue
        if _initials_match(acronym, expansion.split()):
            yield MinedTerm(
                acronym, expansion, chapter_id, passage.anchor, "acronym", 0.9, (expansion,)
            )


def _expansion(acronym: str, words: list[str]) -> str | None:
    """The shortest run of trailing words whose initials spell the acronym's letters."""
    target = "".join(c for c in acronym.lower() if c.isalpha())
    for size in range(1, min(len(words), len(target) + 4) + 1):
        run = words[-size:]
        if run[0].lower() in _SMALL_WORDS:
            continue
        if _initials_match(acronym, run):
            expansion = " ".join(run)
            if expansion.lower() == acronym.lower():
                return None
            return expansion
    return None


def _initials_match(acronym: str, words: list[str]) -> bool:
    target = "".join(c for c in acronym.lower() if c.isalpha())
    significant = [w for w in words if w.lower() not in _SMALL_WORDS]
    initials = "".join(w[0].lower() for w in significant)
    if initials == target:
        return True
    # Words that give two letters ("TensorRT", "OpenCV"): the capitals of each word.
    capitals = "".join("".join(c for c in w if c.isupper()) or w[0] for w in significant)
    return capitals.lower() == target and len(significant) < len(target)


def _what_is(chapter_id: str, doc: Document) -> Iterator[MinedTerm]:
    blocks = [b for b in doc.walk() if b.kind in ("heading", "paragraph")]
    for heading, after in zip(blocks, blocks[1:], strict=False):
        if heading.heading is None or after.kind != "paragraph":
            continue
        match = _WHAT_IS_RE.match(" ".join(heading.heading.text.split()))
        if match is None:
            continue
        term = match.group("term").strip()
        first = (sentences(plain(after.text)) or [""])[0]
        lowered = first.lower()
        starts = (term.lower(), "it ", "they ", f"a {term.lower()}", f"an {term.lower()}")
        if not lowered.startswith(starts):
            continue
        if not re.search(r"\b(?:is|are|refers to|means)\b", lowered[:160]):
            continue
        definition = _clip(first)
        if definition and _is_term(term):
            anchor = heading.heading.anchor
            yield MinedTerm(term, definition, chapter_id, anchor, "what-is", 0.8)


_TABLE_HEAD_RE = re.compile(
    r"^\|?\s*(?:term|concept|acronym|name)\s*\|\s*(?:definition|meaning|description|stands for)",
    re.IGNORECASE,
)


def _tables(chapter_id: str, doc: Document) -> Iterator[MinedTerm]:
    headings = doc.headings
    for block in doc.walk():
        if block.kind != "table" or not _TABLE_HEAD_RE.match(block.text.strip()):
            continue
        above = [h for h in headings if h.line < block.start]
        anchor = above[-1].anchor if above else None
        for row in block.text.strip().splitlines()[2:]:
            cells = [plain(c) for c in row.strip().strip("|").split("|")]
            if len(cells) >= 2 and _is_term(cells[0]) and len(cells[1].split()) >= 2:
                definition = _clip(cells[1])
                if definition:
                    yield MinedTerm(cells[0], definition, chapter_id, anchor, "glossary-table", 0.9)


def _proper_name(term: str) -> bool:
    """A name, not a pronoun or a sentence start ("This is a …", "Each node is a …")."""
    first = term.split()[0].lower()
    return first not in _PRONOUNS and first not in _NOT_TERMS and _is_term(term)


def _is_term(term: str) -> bool:
    words = term.split()
    if not 1 <= len(words) <= 5 or any(c.isdigit() for c in term.replace("ROS 2", "")):
        return False
    if not term[:1].isalpha() or term.endswith((".", "?", "!")) or len(term) < 2:
        return False
    lowered = term.lower()
    first = words[0].lower()
    if lowered in _NOT_TERMS or first in _IMPERATIVE or first in _SMALL_WORDS or first == "in":
        return False
    if len(words) == 1 and lowered.endswith(("ed", "ly")):
        return False  # "clipped", "briefly": not names
    if any(ch in term for ch in "[]()<>{}=/\\|`\"'"):
        return False
    # A sentence fragment, not a name: more than one lower-case function word.
    return sum(w.lower() in _SMALL_WORDS for w in words) <= 1


def _clip(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > _MAX_DEFINITION:
        return ""
    return text
