"""The session store: Django's database sessions, with an update that is one statement.

Django's store wraps each save in a transaction (a BEGIN, the UPDATE and a COMMIT: three round
trips); an UPDATE of one row is atomic on its own, and the till saves its cart in the session at
every step (docs/architecture.md, "The till's requests"). Creation keeps Django's path, which
must tell a collision of keys from a new row.
"""

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    def save(self, must_create=False):
        if self.session_key is None or must_create:
            return super().save(must_create=must_create)
        updated = self.model.objects.filter(session_key=self.session_key).update(
            session_data=self.encode(self._get_session()),
            expire_date=self.get_expiry_date(),
        )
        if not updated:  # deleted meanwhile (logged out elsewhere): as Django's own store says
            raise UpdateError
