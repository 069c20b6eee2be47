"""The pipeline for anything derived from a chapter (see pipeline.py)."""
