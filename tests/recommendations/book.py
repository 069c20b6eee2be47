"""A small synthetic textbook for the recommendation tests: three modules whose chapters talk
about clearly different things, so that similarity, order and interests are predictable."""

from __future__ import annotations

from pathlib import Path

from tailored.content.loader import load_docs
from tailored.content.service import chapter_row
from tailored.models import Chapter

# folder/file → (title, tags, difficulty, prerequisites, [(section, words)])
CHAPTERS: dict[str, tuple[str, list[str], str, list[str], list[tuple[str, str]]]] = {
    "module-1/01-welcome.md": (
        "Welcome",
        ["overview"],
        "beginner",
        [],
        [
            ("How to read this book", "chapters modules exercises reading order pace notes"),
            ("What you need", "laptop linux terminal editor install packages"),
        ],
    ),
    "module-1/02-python-tools.md": (
        "Python tools",
        ["python"],
        "beginner",
        ["module-1/welcome"],
        [
            ("Virtual environments", "python venv pip packages interpreter isolation"),
            ("Testing with pytest", "python pytest assertions fixtures test discovery"),
        ],
    ),
    "module-2/01-urdf-basics.md": (
        "URDF basics",
        ["urdf", "ros2"],
        "beginner",
        ["module-1/welcome"],
        [
            ("Links", "urdf link inertia visual collision geometry mesh link frames"),
            ("Joints", "urdf joint revolute prismatic axis limits parent child link"),
        ],
    ),
    "module-2/02-xacro.md": (
        "Xacro macros",
        ["urdf", "xacro"],
        "intermediate",
        ["module-2/urdf-basics"],
        [
            ("Macros", "xacro macro urdf joint link parameters reuse"),
            ("Properties", "xacro property constants urdf link dimensions"),
        ],
    ),
    "module-2/03-robot-state.md": (
        "Robot state publisher",
        ["ros2", "tf2"],
        "intermediate",
        ["module-2/urdf-basics"],
        [
            ("Frames", "tf2 frames transforms robot state publisher urdf joint states"),
            ("RViz", "rviz display model frames robot description"),
        ],
    ),
    "module-3/01-jetson.md": (
        "Jetson setup",
        ["jetson", "edge-ai"],
        "intermediate",
        [],
        [
            ("Flashing JetPack", "jetson jetpack flash sdk manager orin board"),
            ("Power modes", "jetson nvpmodel power watts orin clocks"),
        ],
    ),
    "module-3/02-tensorrt.md": (
        "TensorRT engines",
        ["jetson", "tensorrt"],
        "advanced",
        ["module-3/jetson"],
        [
            ("From ONNX", "tensorrt onnx engine jetson precision fp16 int8"),
            ("Benchmarking", "tensorrt trtexec latency throughput jetson orin"),
        ],
    ),
}
CATEGORIES = {"module-1": 1, "module-2": 2, "module-3": 3}


def write_book(root: Path) -> Path:
    """Write the textbook under `root` and return it."""
    for folder, position in CATEGORIES.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        label = folder.replace("-", " ").title()
        (root / folder / "_category_.json").write_text(
            f'{{"label": "{label}", "position": {position}}}'
        )
    for rel, (title, tags, difficulty, prerequisites, sections) in CHAPTERS.items():
        front = [
            "---",
            f"title: {title}",
            f"tags: [{', '.join(tags)}]",
            f"difficulty: {difficulty}",
        ]
        if prerequisites:
            front.append(f"prerequisites: [{', '.join(prerequisites)}]")
        body = [*front, "---", "", f"# {title}", "", f"An introduction to {title.lower()}.", ""]
        for heading, words in sections:
            body += [f"## {heading}", "", f"{words} {words}", ""]
        (root / rel).write_text("\n".join(body), encoding="utf-8")
    return root


def book_chapters(root: Path) -> list[Chapter]:
    """The textbook as database rows (not added to any session), in reading order."""
    loaded = load_docs(write_book(root))
    assert not loaded.errors, loaded.errors
    return [chapter_row(parsed) for parsed in loaded.chapters]
