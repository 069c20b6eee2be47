"""Similar content: TF-IDF over the catalogue's items, the nearest neighbours of each kept.

Computed once per content generation (seconds for 10,000 items, off the event loop), so a
request reads a short precomputed list per item. Items of the same chapter are never each
other's neighbours: the next section of the chapter is "next in order", not "similar".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

# Rows multiplied at once: a block of scores is BLOCK x items float32 (20 MB at 10,000 items).
BLOCK = 512

Neighbours = tuple[tuple[int, float], ...]


def neighbours(
    texts: Sequence[str], chapters: Sequence[int], *, k: int, min_score: float
) -> list[Neighbours]:
    """For each text, up to `k` (index, cosine) of the most similar others, best first;
    `chapters[i]` names the chapter of item i (same-chapter pairs are left out)."""
    count = len(texts)
    if count < 2:
        return [() for _ in texts]
    vectorizer = TfidfVectorizer(
        sublinear_tf=True, stop_words="english", max_df=0.5, min_df=1, dtype=np.float32
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # every word is a stop word or too common: nothing to compare
        return [() for _ in texts]
    transposed = matrix.T.tocsc()
    owner = np.asarray(chapters)
    keep = min(k, count - 1)
    result: list[Neighbours] = []
    for start in range(0, count, BLOCK):
        stop = min(start + BLOCK, count)
        scores = (matrix[start:stop] @ transposed).toarray()
        scores[owner[start:stop, None] == owner[None, :]] = 0.0
        top = np.argpartition(-scores, keep - 1, axis=1)[:, :keep]
        for row, candidates in enumerate(top):
            values = scores[row, candidates]
            order = np.argsort(-values, kind="stable")
            result.append(
                tuple(
                    (int(candidates[i]), round(float(values[i]), 4))
                    for i in order
                    if values[i] >= min_score and values[i] > 0
                )
            )
    return result
