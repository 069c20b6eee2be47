from __future__ import annotations

import secrets
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from tailored.app import create_app
from tailored.config import DEV_SECRET_KEY, Environment, Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent


class TestSettings:
    def test_environment_variables_use_the_prefix(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("TAILORED_PORT", "9123")
        monkeypatch.setenv("TAILORED_CACHE_URL", "redis://127.0.0.1:6379/3")
        settings = load_settings()
        assert settings.port == 9123
        assert settings.cache_url == "redis://127.0.0.1:6379/3"

    def test_config_file_is_read_and_env_wins(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        config = tmp_path / "tailored.toml"
        config.write_text('port = 8100\nlog_level = "debug"\n')
        monkeypatch.setenv("TAILORED_PORT", "8200")
        settings = load_settings(config)
        assert settings.log_level == "debug"
        assert settings.port == 8200

    def test_reference_config_is_valid_and_matches_defaults(self) -> None:
        settings = load_settings(ROOT / "tailored.example.toml")
        assert settings == Settings()

    def test_reference_config_documents_every_setting(self) -> None:
        text = (ROOT / "tailored.example.toml").read_text()
        for name in Settings.model_fields:
            assert f"{name} =" in text or f"[{name}]" in text, f"{name} is not documented"

    def test_unknown_key_in_config_file_is_an_error(self, tmp_path: Path) -> None:
        config = tmp_path / "bad.toml"
        config.write_text("prot = 8100\n")
        with pytest.raises(ValidationError, match="prot"):
            load_settings(config)


class TestProductionSecret:
    def test_production_refuses_the_default_secret(self) -> None:
        with pytest.raises(ValidationError, match="TAILORED_SECRET_KEY"):
            Settings(environment=Environment.production)

    def test_production_refuses_a_short_secret(self) -> None:
        with pytest.raises(ValidationError, match="32 characters"):
            Settings(environment=Environment.production, secret_key="short")

    @pytest.mark.parametrize(
        "secret",
        [
            "_" * 32,
            "x" * 40,
            "abc" * 12,
            "0123456789abcdefghijklmnopqrstuv" * 2,
            "correct-horse-correct-horse-correct-horse",
            DEV_SECRET_KEY,
        ],
        ids=[
            "underscores",
            "one-char",
            "short-pattern",
            "long-pattern",
            "repeated-words",
            "dev-key",
        ],
    )
    def test_production_refuses_a_predictable_secret(self, secret: str) -> None:
        with pytest.raises(ValidationError, match="TAILORED_SECRET_KEY") as info:
            Settings(environment=Environment.production, secret_key=secret)
        assert "secrets.token_urlsafe(48)" in str(info.value)

    def test_production_accepts_a_random_secret(self) -> None:
        secret = secrets.token_urlsafe(48)
        settings = Settings(environment=Environment.production, secret_key=secret)
        assert settings.secret_key.get_secret_value() == secret

    def test_secret_is_not_printed(self) -> None:
        assert DEV_SECRET_KEY not in repr(Settings())


class TestApiDocs:
    PATHS = ("/docs", "/redoc", "/openapi.json")

    async def _statuses(self, settings: Settings) -> list[int]:
        transport = httpx.ASGITransport(app=create_app(settings))
        async with httpx.AsyncClient(transport=transport, base_url="http://tailored.test") as c:
            return [(await c.get(path)).status_code for path in self.PATHS]

    async def test_served_in_development(self) -> None:
        assert await self._statuses(Settings()) == [200, 200, 200]

    async def test_off_means_404_for_all_three(self) -> None:
        settings = Settings(api_docs=False)
        assert await self._statuses(settings) == [404, 404, 404]
        transport = httpx.ASGITransport(app=create_app(settings))
        async with httpx.AsyncClient(transport=transport, base_url="http://tailored.test") as c:
            body = (await c.get("/openapi.json")).json()
        assert body["error"] == "NotFound"

    async def test_production_hides_them_unless_turned_on(self) -> None:
        secret = secrets.token_urlsafe(48)
        production = Settings(environment=Environment.production, secret_key=SecretStr(secret))
        assert await self._statuses(production) == [404, 404, 404]
        on = production.model_copy(update={"api_docs": True})
        assert await self._statuses(on) == [200, 200, 200]


class TestLLMSettings:
    def test_providers_from_the_config_file(self, tmp_path: Path) -> None:
        config = tmp_path / "llm.toml"
        config.write_text(
            "[llm]\nfallback = ['claude', 'local']\n"
            "[[llm.providers]]\nname = 'local'\nkind = 'openai'\n"
            "base_url = 'http://127.0.0.1:11434/v1'\nmodel = 'llama3.1'\n"
            "[[llm.providers]]\nname = 'claude'\nkind = 'anthropic'\nmodel = 'claude-x'\n"
            "api_key_env = 'ANTHROPIC_API_KEY'\n"
        )
        settings = load_settings(config)
        assert [p.name for p in settings.llm.providers] == ["local", "claude"]
        assert settings.llm.fallback == ["claude", "local"]

    def test_unknown_fallback_name_is_an_error(self, tmp_path: Path) -> None:
        config = tmp_path / "llm.toml"
        config.write_text(
            "[llm]\nfallback = ['nope']\n[[llm.providers]]\nname = 'a'\nkind = 'openai'\n"
            "model = 'm'\n"
        )
        with pytest.raises(ValidationError, match="nope"):
            load_settings(config)
