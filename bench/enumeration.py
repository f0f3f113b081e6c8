"""Median time of POST /subscribe and /my-data for a confirmed subscriber vs an unknown address
(they must not differ: both only queue a notice). Run: .venv/bin/python -m bench.enumeration"""
import statistics
import tempfile
import time
from pathlib import Path

from campaign import create_app
from campaign.extensions import db
from campaign.newsletter.models import Subscriber

tmp = Path(tempfile.mkdtemp())
app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "INSTANCE_PATH": str(tmp),
                  "SECRET_KEY": "x" * 40, "DATABASE_URL": f"sqlite:///{tmp}/b.sqlite3", "BASE_URL": "http://127.0.0.1:5000",
                  "MAIL_SERVER": "", "MAIL_OUTBOX_DIR": str(tmp / "out")})
with app.app_context():
    from flask_migrate import upgrade
    upgrade()
    db.session.add(Subscriber(email="known@example.org", name="K", status="confirmed", locale="en", source="form"))
    db.session.commit()
client = app.test_client()
for path, extra in (("/subscribe", {"language": "en"}), ("/my-data/", {})):
    times = {"known@example.org": [], "unknown@example.org": []}
    for _round in range(300):
        for address in times:
            t = time.perf_counter()
            r = client.post(path, data={"email": address, **extra})
            times[address].append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, r.status_code
    print(path, {a: round(statistics.median(v[50:]), 2) for a, v in times.items()}, "ms median")
