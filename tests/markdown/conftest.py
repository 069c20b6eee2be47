from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def kitchen_sink() -> str:
    # Decoded from bytes: text-mode reading would translate line endings.
    return (FIXTURES / "kitchen_sink.mdx").read_bytes().decode("utf-8")
