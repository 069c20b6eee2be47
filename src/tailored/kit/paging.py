"""Query parameters of every paged listing, bounded so that no value can reach the database
as an integer it cannot bind (offset=2**63 was a 500): out of bounds is a 422 naming the bound.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

MAX_PAGE_SIZE = 200
# Far beyond any listing here, and an integer every backend binds (SQLite and PostgreSQL stop
# at 2**63 - 1; 32 bits leave room for offset + limit).
MAX_OFFSET = 2**31 - 1

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page.")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.")]
