"""gunicorn settings for production: `gunicorn --config gunicorn.conf.py connexions.wsgi`.

The environment overrides each value below; the README's deployment section explains them.
"""

import multiprocessing
import os

# Behind a reverse proxy on the same machine by default; a PaaS gives the port to listen on.
bind = os.environ.get(
    "GUNICORN_BIND",
    f"0.0.0.0:{os.environ['PORT']}" if "PORT" in os.environ else "127.0.0.1:8000",
)
# Sync workers: each request holds one database connection, so requests stay short and simple.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Above PostgreSQL's statement_timeout (30 s, connexions/settings.py), so a slow query ends as an
# error page rather than a killed worker. Pages stay far below it at scale (indexed searches,
# capped counts); exports stream in chunks (connexions/exports.py; the stock ledger is written by
# PostgreSQL's COPY, seconds for a million rows), and a sync worker counts a whole streamed
# response against this timeout: exports too big for it belong to the tasks worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# Restarted now and then, so a slow leak never grows unbounded.
max_requests = 1000
max_requests_jitter = 100

accesslog = "-"
errorlog = "-"
# The path without its query string (`%(U)s`, not `%(r)s`) and no referrer: searches by name or
# phone number and reset tokens travel in query strings, and logs hold no personal data.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
