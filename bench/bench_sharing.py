"""Cache sharing: how many stored entries 10,000 synthetic learners need, and the hit rate.

Goal (issue): 10,000 learners whose relevant fields follow a plausible distribution and whose
irrelevant fields (name, email, timestamps, interests the adapter ignores) all differ, each
opening 10 chapters, reach a hit rate of at least 95% with the audience key, beside the naive
key (a hash of the whole profile JSON) measured in the same run.

Every request computes the real adapter's `audience()` and `keys.audience_key` for the
chapter; a key seen before is a hit, so entries = distinct keys and hit rate = 1 - entries /
requests (a cache that never evicts). Also printed: the key over every field the adapter
declares it may read (`read_fields`), to show what per-chapter audiences add.

Chapters: the sample textbook has 7; 3 more are built from its own sections (see SYNTHETIC)
with front matter of their own, so each learner opens 10 distinct chapters. A second scenario
keeps the 7 real chapters and draws 10 visits per learner with a skew toward the early ones
(repeat visits by one learner are then hits for every key, the naive one included).

    .venv/bin/python bench/bench_sharing.py [--learners 10000] [--seed 7]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import random
import string
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from _common import chapter_input, load_textbook, machine_line, rules_adapter, table, verdict

from tailored.content.loader import ParsedChapter
from tailored.kit.hashing import canonical_json
from tailored.personalization.adapter import Adapter, ChapterInput, Library
from tailored.personalization.keys import audience_key, read_fields
from tailored.personalization.library import library_from
from tailored.profiles.schemas import ProfileData

HIT_RATE_GOAL = 0.95
VISITS = 10

# (id, title, front matter, [(source chapter id, section anchors)]): new chapters made of
# real textbook sections, with their own difficulty and prerequisites.
SYNTHETIC: list[tuple[str, str, dict[str, Any], list[tuple[str, list[str]]]]] = [
    (
        "practice/topics-in-depth",
        "Topics in Depth",
        {
            "difficulty": "advanced",
            "tags": ["ros2", "qos"],
            "prerequisites": ["ros2/nodes-and-topics"],
        },
        [
            ("ros2/nodes-and-topics", ["inspecting-the-graph", "qos-profiles"]),
            ("simulation/gazebo-and-isaac", ["bridging-gazebo-topics-into-ros-2"]),
        ],
    ),
    (
        "practice/robot-models",
        "Robot Models from URDF to Simulation",
        {
            "difficulty": "intermediate",
            "tags": ["urdf", "xacro", "gazebo"],
            "prerequisites": ["ros2/urdf"],
        },
        [
            ("ros2/urdf", ["less-typing-with-xacro", "from-urdf-to-moving-frames"]),
            ("simulation/gazebo-and-isaac", ["your-leg-in-gazebo", "sim-to-real"]),
        ],
    ),
    (
        "practice/seeing-for-policies",
        "From Depth Images to Policies",
        {
            "difficulty": "beginner",
            "tags": ["perception", "vla"],
            "prerequisites": ["perception/cameras-and-depth"],
        },
        [
            ("perception/cameras-and-depth", ["depth-images-in-ros-2", "back-projection"]),
            ("vla/vla-models", ["what-a-vla-is", "action-tokenization"]),
        ],
    ),
]

# Plausible learner population (weights, not probabilities). Relevant fields first.
SOFTWARE = {"beginner": 45, "intermediate": 35, "advanced": 20}
HARDWARE = {"none": 30, "basic": 35, "intermediate": 25, "advanced": 10}
HARDWARE_AVAILABLE: dict[tuple[str, ...], int] = {
    ("none",): 45,
    ("rtx_workstation",): 20,
    ("cloud",): 15,
    ("jetson_kit",): 8,
    ("rtx_workstation", "jetson_kit"): 6,
    ("rtx_workstation", "cloud"): 4,
    ("cloud", "jetson_kit"): 2,
}
LANGUAGES = {"python": 70, "cpp": 20, "javascript": 10, "c": 6, "java": 5, "rust": 4, "matlab": 4}
LANGUAGE_COUNT = {1: 55, 2: 35, 3: 10}
FRAMEWORKS = {
    "ros2": 30,
    "pytorch": 30,
    "opencv": 20,
    "tensorflow": 10,
    "gazebo": 8,
    "isaac-sim": 6,
    "jax": 3,
}
FRAMEWORK_COUNT = {0: 35, 1: 35, 2: 20, 3: 10}
DOMAINS = {
    "basic_electronics": 30,
    "robotics_kits": 25,
    "gpus_accelerators": 20,
    "sensors_actuators": 15,
    "embedded_systems": 12,
    "jetson_edge": 8,
    "3d_printing": 8,
    "pcb_design": 4,
}
DOMAIN_COUNT = {0: 45, 1: 30, 2: 18, 3: 7}
DIFFICULTY: dict[str | None, int] = {None: 30, "gentle": 20, "balanced": 35, "challenging": 15}
ROLE: dict[str | None, int] = {
    None: 10,
    "student": 50,
    "professional": 22,
    "researcher": 13,
    "instructor": 5,
}
ROBOTICS: dict[str | None, int] = {
    None: 15,
    "none": 35,
    "hobbyist": 25,
    "academic": 17,
    "professional": 8,
}
PREFERRED_LANGUAGE: dict[str | None, int] = {
    None: 45,
    "en": 25,
    "ur": 8,
    "es": 6,
    "zh": 5,
    "de": 4,
    "hi": 4,
    "fr": 3,
}
INTERESTS = [
    "humanoids",
    "drones",
    "manipulation",
    "locomotion",
    "slam",
    "navigation",
    "reinforcement learning",
    "computer vision",
    "agriculture",
    "warehouse robots",
    "surgical robots",
    "self-driving",
    "exoskeletons",
    "soft robotics",
    "swarm",
    "teleoperation",
    "grasping",
    "legged robots",
    "marine robots",
    "space robotics",
    "education",
    "art",
    "music",
    "home assistants",
    "prosthetics",
    "safety",
]


def _pick(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _sample(rng: random.Random, weights: dict[str, int], count: int) -> list[str]:
    """`count` distinct items, weighted, without replacement (order as drawn)."""
    pool = dict(weights)
    out: list[str] = []
    for _ in range(min(count, len(pool))):
        item = _pick(rng, pool)
        out.append(item)
        del pool[item]
    return out


def synthetic_learner(rng: random.Random, index: int) -> tuple[ProfileData, dict[str, Any]]:
    """The profile the adapter reads, and the whole stored record (for the naive key)."""
    interests = _sample(rng, dict.fromkeys(INTERESTS, 1), rng.randint(0, 4))
    if rng.random() < 0.5:  # free text nobody else typed
        interests.append("".join(rng.choices(string.ascii_lowercase, k=8)))
    fields = {
        "software_level": _pick(rng, SOFTWARE),
        "hardware_level": _pick(rng, HARDWARE),
        "hardware_available": list(_pick(rng, HARDWARE_AVAILABLE)),
        "languages": _sample(rng, LANGUAGES, _pick(rng, LANGUAGE_COUNT)),
        "frameworks": _sample(rng, FRAMEWORKS, _pick(rng, FRAMEWORK_COUNT)),
        "hardware_domains": _sample(rng, DOMAINS, _pick(rng, DOMAIN_COUNT)),
        "difficulty_preference": _pick(rng, DIFFICULTY),
        "role": _pick(rng, ROLE),
        "robotics_experience": _pick(rng, ROBOTICS),
        "preferred_language": _pick(rng, PREFERRED_LANGUAGE),
        "interests": interests,
    }
    profile = ProfileData.model_validate(fields)
    created = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(3 * 10**7))
    record = {
        "user_id": str(uuid.UUID(int=rng.getrandbits(128))),
        "display_name": f"Learner {index}",
        "email": f"learner{index}@example.org",
        "created_at": created.isoformat(),
        "updated_at": (created + timedelta(minutes=rng.randrange(10**5))).isoformat(),
        **profile.model_dump(mode="json"),
    }
    return profile, record


def synthetic_chapters(chapters: list[ParsedChapter]) -> list[ParsedChapter]:
    by_id = {c.id: c for c in chapters}
    made: list[ParsedChapter] = []
    for position, (chapter_id, title, front_matter, picks) in enumerate(SYNTHETIC):
        body = [f"# {title}\n\n"]
        for source_id, anchors in picks:
            for section in by_id[source_id].sections:
                if section.anchor in anchors:
                    body.append(section.text.rstrip("\n") + "\n\n")
        fm = {"title": title, **front_matter}
        yaml_lines = [f"{key}: {canonical_json(value)}" for key, value in fm.items()]
        source = "---\n" + "\n".join(yaml_lines) + "\n---\n\n" + "".join(body).rstrip() + "\n"
        made.append(
            dataclasses.replace(
                chapters[0],
                id=chapter_id,
                title=title,
                slug=None,
                path=f"{chapter_id}.md",
                position=len(chapters) + position,
                front_matter=fm,
                source=source,
                source_hash=hashlib.sha256(source.encode()).hexdigest(),
                sections=(),
            )
        )
    return made


def _sha(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


class Tally:
    def __init__(self) -> None:
        self.keys: dict[str, set[str]] = defaultdict(set)
        self.per_chapter: dict[str, set[str]] = defaultdict(set)
        self.fields: dict[str, set[str]] = defaultdict(set)
        self.requests = 0

    def add(self, name: str, chapter_id: str, key: str) -> None:
        self.keys[name].add(key)
        if name == "audience key":
            self.per_chapter[chapter_id].add(key)

    def row(self, name: str) -> list[object]:
        entries = len(self.keys[name])
        return [name, f"{self.requests:,}", f"{entries:,}", f"{1 - entries / self.requests:.2%}"]


def simulate(
    adapter: Adapter,
    library: Library,
    chapters: Sequence[ChapterInput],
    learners: Sequence[tuple[ProfileData, dict[str, Any]]],
    visits: list[list[int]],
) -> tuple[Tally, float, Counter[str]]:
    tally = Tally()
    fields_seen: Counter[str] = Counter()
    spent = 0.0
    for (profile, record), opened in zip(learners, visits, strict=True):
        declared = read_fields(adapter, profile)
        for index in opened:
            chapter = chapters[index]
            started = time.perf_counter()
            audience = adapter.audience(profile, chapter, library)
            key = audience_key(adapter, chapter, library, audience)
            spent += time.perf_counter() - started
            fields_seen.update(audience.keys())
            tally.fields[chapter.id].update(audience.keys())
            tally.requests += 1
            tally.add("audience key", chapter.id, key)
            base = {
                "adapter": adapter.name,
                "version": adapter.version,
                "source": chapter.source_hash,
                "context": library.context_hash,
            }
            tally.add("naive key (whole profile JSON)", chapter.id, _sha({**base, "p": record}))
            tally.add("declared fields (read_fields)", chapter.id, _sha({**base, "p": declared}))
    return tally, spent, fields_seen


def report(title: str, tally: Tally, spent: float, chapters: Sequence[ChapterInput]) -> float:
    print(f"\n## {title}\n")
    names = ["audience key", "declared fields (read_fields)", "naive key (whole profile JSON)"]
    print(table(["key", "requests", "stored entries", "hit rate"], [tally.row(n) for n in names]))
    print()
    rows = [
        [c.id, len(tally.per_chapter[c.id]), ", ".join(sorted(tally.fields[c.id])) or "-"]
        for c in chapters
    ]
    print(table(["chapter", "distinct audiences", "audience keys"], rows))
    print(f"\naudience() + audience_key: {spent / tally.requests * 1e6:.1f} µs per request")
    return 1 - len(tally.keys["audience key"]) / tally.requests


def main() -> int:
    argp = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    argp.add_argument("--learners", type=int, default=10_000)
    argp.add_argument("--seed", type=int, default=7)
    args = argp.parse_args()
    rng = random.Random(args.seed)

    adapter = rules_adapter()
    real, glossary = load_textbook()
    everything = real + synthetic_chapters(real)
    library = library_from(glossary, everything)
    chapters = [chapter_input(c) for c in everything]
    learners = [synthetic_learner(rng, i) for i in range(args.learners)]

    print(f"# {machine_line()}")
    print(
        f"# adapter {adapter.name}@{adapter.version}, profile_fields "
        f"{sorted(adapter.profile_fields)}"
    )
    print(
        f"# {args.learners:,} learners, seed {args.seed}; chapters: {len(real)} real + "
        f"{len(everything) - len(real)} synthetic ({', '.join(s[0] for s in SYNTHETIC)})"
    )

    all_ten = [rng.sample(range(len(chapters)), VISITS) for _ in learners]
    tally, spent, fields_seen = simulate(adapter, library, chapters, learners, all_ten)
    rate = report(
        f"scenario A: every learner opens {VISITS} distinct chapters (7 real + 3 synthetic)",
        tally,
        spent,
        chapters,
    )
    print(
        "audience fields used (requests whose audience carries the field): "
        + ", ".join(
            f"{name} {count / tally.requests:.0%}" for name, count in fields_seen.most_common()
        )
    )

    # Scenario B: 7 real chapters, 10 visits each drawn with a reading-order skew.
    real_library = library_from(glossary, real)
    real_inputs = [chapter_input(c) for c in real]
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(real_inputs))]
    skewed = [rng.choices(range(len(real_inputs)), weights=weights, k=VISITS) for _ in learners]
    tally_b, spent_b, _ = simulate(adapter, real_library, real_inputs, learners, skewed)
    rate_b = report(
        f"scenario B: {VISITS} visits per learner over the 7 real chapters, Zipf(0.8) skew",
        tally_b,
        spent_b,
        real_inputs,
    )

    print("\n## goal\n")
    print(
        table(
            ["scenario", "audience-key hit rate", f">= {HIT_RATE_GOAL:.0%}"],
            [
                ["A (10 distinct chapters)", f"{rate:.2%}", verdict(rate >= HIT_RATE_GOAL)],
                [
                    "B (skewed visits, 7 chapters)",
                    f"{rate_b:.2%}",
                    verdict(rate_b >= HIT_RATE_GOAL),
                ],
            ],
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
