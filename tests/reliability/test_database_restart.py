"""The database restarts during a burst of requests: requests fail cleanly with a 503 page (Russian text,
Retry-After, no traceback), then the same app process answers again once the database is back.

Runs the site under gunicorn against a private PostgreSQL cluster (the shared server is never stopped)."""

import json
from concurrent.futures import ThreadPoolExecutor

from .scratch import manage
from .servers import fetch, gunicorn, private_postgres, wait_until

PATHS = ["/", "/services/"]


def burst(base: str, count: int):
    with ThreadPoolExecutor(max_workers=6) as pool:
        return list(pool.map(lambda i: fetch(base + PATHS[i % len(PATHS)]), range(count)))


def test_requests_fail_with_503_while_the_database_restarts_then_recover():
    with private_postgres() as cluster:
        env = {"DATABASE_URL": cluster.url, "DB_CONN_MAX_AGE": "60"}
        manage("migrate", "--noinput", env=env)
        with gunicorn(env) as (process, base):
            for path in PATHS:  # warm up (first requests load the search dictionaries)
                assert fetch(base + path, timeout=120).status == 200
            before = burst(base, 24)
            assert {r.status for r in before} == {200}

            with ThreadPoolExecutor(max_workers=1) as background:
                during = background.submit(burst, base, 60)
                cluster.stop()  # mid-burst: the connections of running requests are cut
                answers = during.result() + burst(base, 24)  # and some requests arrive while it is down

            assert {r.status for r in answers} <= {200, 503}, sorted({r.status for r in answers})
            failed = [r for r in answers if r.status == 503]
            assert failed, "no request saw the database down"
            for response in failed:
                assert "Сервис временно недоступен" in response.body
                assert "Traceback" not in response.body and "OperationalError" not in response.body
                assert response.headers.get("Retry-After") == "30"

            # /readyz tells the balancer the truth meanwhile: the database is down, the site is not ready
            ready = fetch(base + "/readyz")
            assert ready.status == 503 and json.loads(ready.body)["checks"]["database"]["status"] == "down"

            cluster.start()
            wait_until(lambda: fetch(base + "/").status == 200, timeout=60, message="the site did not recover")
            assert json.loads(fetch(base + "/readyz").body)["checks"]["database"]["status"] == "ok"
            after = burst(base, 24)
            assert {r.status for r in after} == {200}
            assert process.poll() is None  # the same app process, never restarted
