import pytest
from django.db import DEFAULT_DB_ALIAS, connections


def test_health_ok_without_login(client, db):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_health_reports_database_down(client, db, monkeypatch):
    # A real connection to a port where no server listens.
    default = connections[DEFAULT_DB_ALIAS]
    down = type(default)({**default.settings_dict, "PORT": "1"}, alias=DEFAULT_DB_ALIAS)
    with monkeypatch.context() as patch:
        patch.setattr("connexions.middleware.connection", down)
        response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error"}


def test_health_lets_other_errors_through(client, db, monkeypatch):
    """Only database errors mean "database down": a bug is a 500 that gets reported."""

    def bug(*args, **kwargs):
        raise RuntimeError("not a database error")

    with monkeypatch.context() as patch:
        patch.setattr("connexions.middleware.connection.cursor", bug)
        with pytest.raises(RuntimeError):
            client.get("/health/")


@pytest.mark.parametrize("path", ["/health/", "/connexion/"])
def test_csp_header_on_public_pages(client, db, path):
    policy = client.get(path)["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "base-uri 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
