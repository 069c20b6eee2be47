"""A small, un-annotated synthetic textbook written for these tests."""

from __future__ import annotations

from pathlib import Path

from tailored.content.loader import LoadResult, load_docs

CHAPTERS = {
    "01-basics.md": """\
---
title: Basics
---

# Basics

Robots are programmed with middleware that passes messages between small programs.

## What is a publisher?

A publisher is a program that sends messages on a named channel to its subscribers.

## Core terms

- **Node**: A process that performs one job in the robot's software.
- **Week 1**: Introduction to the course and its tools.
- **Install ROS**: Run the installer script from the project page.

The Robot Operating System (ROS) connects every part of the robot through messages.

**Middleware** is the software layer that moves data between programs on a robot.

## Course map

- [Advanced](./advanced.md)
- [Simulation](./sim.md)
""",
    "02-sensors.md": """\
---
title: Sensors
---

# Sensors

Sensors feed each node with measurements, and every node publishes on a topic as soon as it
has new data to share with the rest of the system.

## Introduction

This section explains what sensors are for if you have never used one before today.

## Reading a camera

The camera driver is a publisher and a node that sends images on a topic at thirty frames a second.
A second node listens to that publisher and runs the detector on every image it receives.

```python
# Advanced: a node that refers to a topic is defined as a publisher
print("**Node** is a process")
```

## Under the hood

The driver copies each frame once into shared memory so that subscribers read it in place.

## Running on a Jetson

On the Jetson developer kit, the driver uses the hardware encoder to save power.

## Running in the cloud

In the cloud, the driver streams compressed frames to the instance over the network.
""",
}


def write_book(root: Path) -> Path:
    docs = root / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    for name, text in CHAPTERS.items():
        (docs / name).write_text(text, encoding="utf-8")
    return docs


def load_book(root: Path) -> tuple[Path, LoadResult]:
    docs = write_book(root)
    loaded = load_docs(docs)
    assert loaded.errors == ()
    return docs, loaded
