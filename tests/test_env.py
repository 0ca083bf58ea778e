import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("TRUE", True), (" on ", True), ("0", False), ("no", False), ("", False)],
)
def test_env_bool_parses_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)

    assert env_bool("X_FLAG", not expected) is expected


def test_env_bool_default_when_unset(monkeypatch):
    monkeypatch.delenv("X_FLAG", raising=False)

    assert env_bool("X_FLAG", True) is True


def test_env_bool_refuses_garbage_naming_the_variable(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")

    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG", False)


def test_env_int_parses_and_defaults(monkeypatch):
    monkeypatch.setenv("X_NUM", "42")
    assert env_int("X_NUM", 1) == 42
    monkeypatch.setenv("X_NUM", " ")
    assert env_int("X_NUM", 7) == 7


@pytest.mark.parametrize(("raw", "message"), [("ten", "integer"), ("-1", "at least 0")])
def test_env_int_refuses_bad_values_naming_the_variable(monkeypatch, raw, message):
    monkeypatch.setenv("X_NUM", raw)

    with pytest.raises(ImproperlyConfigured, match=f"X_NUM.*{message}"):
        env_int("X_NUM", 1)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("X_LIST", " a, b ,,c ")

    assert env_list("X_LIST") == ["a", "b", "c"]
    assert env_str("X_LIST") == " a, b ,,c "
