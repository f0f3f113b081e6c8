"""gunicorn settings for the campaign toolkit (`gunicorn -c deploy/gunicorn.conf.py wsgi:app`)."""
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = 60
graceful_timeout = 30
# No access log: it would hold visitors' addresses. Errors go to the journal.
accesslog = None
errorlog = "-"
loglevel = "warning"
# The app alone reads forwarded headers (PROXY_HOPS, Werkzeug's ProxyFix); gunicorn must not also
# turn X-Forwarded-Proto into HTTPS for requests that merely claim it.
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}
