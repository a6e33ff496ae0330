from __future__ import annotations

import pytest

from kit import env, env_int, namespaced, peer_url
from kit._errors import ConfigError
from tests.support.settings import reload


def test_env_falls_back_when_unset_or_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROBO_X", raising=False)
    assert env("ROBO_X", "d") == "d"
    monkeypatch.setenv("ROBO_X", "")
    assert env("ROBO_X", "d") == "d"
    monkeypatch.setenv("ROBO_X", "v")
    assert env("ROBO_X", "d") == "v"


def test_env_int_refuses_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROBO_N", "12")
    assert env_int("ROBO_N", 1) == 12
    monkeypatch.setenv("ROBO_N", "twelve")
    with pytest.raises(ConfigError, match="ROBO_N"):
        env_int("ROBO_N", 1)


def test_namespaced_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATA_NAMESPACE", "t1_")
    reload()
    assert namespaced("catalogue") == "t1_catalogue"
    monkeypatch.delenv("DATA_NAMESPACE")
    reload()
    assert namespaced("catalogue") == "catalogue"


def test_peer_url_defaults_to_the_local_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CART_URL", raising=False)
    reload()
    assert peer_url("cart") == "http://127.0.0.1:8002"
    monkeypatch.setenv("CART_URL", "http://cart.roboshop.svc.cluster.local/")
    reload()
    assert peer_url("cart") == "http://cart.roboshop.svc.cluster.local"
