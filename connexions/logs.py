"""Logging filters: application logs hold no personal data."""

import logging
import re

_QUERY = re.compile(r"\?\S*")


class QueryStringFilter(logging.Filter):
    """Drops query strings from request lines (runserver's `django.server` log): searches by
    name or phone number travel in them. gunicorn's access log is set up without them
    (gunicorn.conf.py)."""

    def filter(self, record):
        if record.args:
            record.args = tuple(
                _QUERY.sub("", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        record.msg = _QUERY.sub("", str(record.msg))
        return True
