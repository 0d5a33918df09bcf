"""Data rights that hold: nothing kept from a failed request, erasure that reaches the decision log and
SQLite's write-ahead log, erasure records that cannot be reversed, owner-only files, a retention job."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from profilefit.apps.service import SmtpSettings, create_app, downgrade, upgrade
from profilefit.apps.service._storage import candidate_hmac, erasure_key, make_engine, utcnow
from profilefit.core.decisions import DecisionLog
from tests import service_support as support
from tests.service_support import Inbox, free_port


class RefusingInbox(Inbox):
    """An SMTP server that refuses every recipient whose address starts with ``refuse``."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refuse"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture(scope="module")
def mail_server():
    server = Controller(RefusingInbox(), hostname="127.0.0.1", port=free_port())
    server.start()
    yield server
    server.stop()


def answers_for(instrument):
    given = {item: 4 for item in instrument.item_ids}
    given.update({check.id: check.expected or 2 for check in instrument.attention_checks})
    given.update({scenario.id: scenario.options[0].id for scenario in instrument.scenarios})
    return given


def rows(http, sql):
    with http.app.state.service.engine.connect() as connection:
        return connection.execute(sa.text(sql)).all()


# ---- nothing kept from a failed request ---------------------------------------------------------------------

addresses = st.one_of(
    st.just("refuse-me@example.test"),  # refused by the server: 422
    st.just("down@example.test"),  # the server's port is closed for it: 503
    st.text(max_size=12),  # mostly not an address: 422 from the schema
)
requests = st.fixed_dictionaries(
    {"candidate_id": st.text(min_size=1, max_size=20).map(lambda text: "fuzz-" + text), "email": addresses},
    optional={
        "role": st.sampled_from(["complex-case", "no-such-role", 7]),
        "language": st.sampled_from(["en", "nb", "xx"]),
        "callback_url": st.sampled_from(["https://app.greenhouse.io/cb", "https://elsewhere.example/cb", "x"]),
        "extra": st.integers(),
    },
)


def test_property_a_failed_or_refused_invitation_keeps_nothing(tmp_path, mail_server):
    """Rule: after any number of failed POST /v1/invitations, no row holds their candidate or an e-mail address."""
    refusing = SmtpSettings(host="127.0.0.1", port=mail_server.port, starttls=False)
    closed = SmtpSettings(host="127.0.0.1", port=free_port(), starttls=False)  # nothing listens: refused at once
    failed: list[str] = []
    statuses: set[int] = set()
    with (
        support.client(tmp_path / "a", rate_per_second=0, smtp=refusing) as good,
        support.client(tmp_path / "b", rate_per_second=0, smtp=closed) as down,
    ):

        @given(body=requests)
        # Both kinds of failure, always: generated bodies reach the closed server only by chance.
        @example(body={"candidate_id": "fuzz-refused", "email": "refuse-me@example.test"})
        @example(body={"candidate_id": "fuzz-down", "email": "down@example.test"})
        @hypothesis_settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
        def post(body):
            http = down if body["email"] == "down@example.test" else good
            response = http.post("/v1/invitations", json=body, headers=support.AUTH)
            assert response.status_code in (201, 422, 503), response.text
            statuses.add(response.status_code)
            if response.status_code != 201:
                failed.append(body["candidate_id"])

        post()
        assert {422, 503} <= statuses  # both kinds of failure were tried
        for http in (good, down):
            kept = rows(http, "SELECT candidate_id, email FROM invitations")
            assert all(email is None for _, email in kept)  # not even a sent invitation keeps its address
            assert not {candidate for candidate, _ in kept} & set(failed)
    # And the 503 says so: nothing to clean up, send again.
    with support.client(tmp_path / "c", smtp=closed) as http:
        response = http.post(
            "/v1/invitations", json={"candidate_id": "c", "email": "a@b.example"}, headers=support.AUTH
        )
        assert response.status_code == 503 and "nothing was kept" in response.json()["detail"]


def test_a_sent_invitation_keeps_no_address(tmp_path, mail_server):
    smtp = SmtpSettings(host="127.0.0.1", port=mail_server.port, starttls=False)
    with support.client(tmp_path, smtp=smtp) as http:
        body = {"candidate_id": "sent-1", "email": "kari@example.test"}
        created = http.post("/v1/invitations", json=body, headers=support.AUTH)
        assert created.status_code == 201 and created.json()["email_sent"] is True
        assert rows(http, "SELECT email FROM invitations") == [(None,)]
        assert mail_server.handler.messages[-1]["To"] == "kari@example.test"


# ---- erasure reaches the decision log and the WAL -------------------------------------------------------------


def test_erasure_removes_the_candidates_decision_log_lines(tmp_path):
    log_path = tmp_path / "decisions.jsonl"
    with support.client(tmp_path, decision_log=str(log_path)) as http:
        service = http.app.state.service
        for candidate in ("erase-me", "keep-me"):
            link = http.post("/v1/invitations", json={"candidate_id": candidate}, headers=support.AUTH).json()
            support.fill_in(http, link["test_url"], answers_for(service.instrument))
        http.post(
            "/v1/score", json={"candidate_id": "erase-me", "sj1": "b"}, headers=support.AUTH
        )  # scored by the API too
        log = DecisionLog(log_path, key=service.decision_log._secret())
        assert len(log.records("erase-me")) == 2 and len(log.records("keep-me")) == 1
        erased = http.delete("/v1/candidates/erase-me", headers=support.AUTH).json()
        assert erased["deleted"]["decision_log_lines"] == 2
        assert log.records("erase-me") == [] and len(log.records("keep-me")) == 1
        text = log_path.read_text(encoding="utf-8")
        assert service.decision_log.pseudonym("erase-me") not in text
        last = json.loads(text.splitlines()[-1])
        assert last["kind"] == "erasure" and last["lines_removed"] == 2 and "candidate" not in last


OTHER_KEY = "other-key-0123456789"
OTHER = {"Authorization": f"Bearer {OTHER_KEY}"}


def two_organisations(tmp_path):
    settings = support.settings(tmp_path, decision_log=str(tmp_path / "d.jsonl"))
    return TestClient(create_app(settings.with_keys([support.KEY, OTHER_KEY]), artifact=support.artifact()))


def test_another_keys_candidate_of_the_same_id_keeps_its_decision_log_lines(tmp_path):
    with two_organisations(tmp_path) as http:
        service = http.app.state.service
        for headers in (support.AUTH, OTHER):
            link = http.post("/v1/invitations", json={"candidate_id": "shared"}, headers=headers).json()
            support.fill_in(http, link["test_url"], answers_for(service.instrument))
        first = http.delete("/v1/candidates/shared", headers=support.AUTH).json()
        assert first["deleted"]["invitations"] == 1 and first["deleted"]["decision_log_lines"] == 1
        assert len(service.decision_log.records("shared")) == 1  # the other organisation's record stays
        second = http.delete("/v1/candidates/shared", headers=OTHER).json()
        assert second["deleted"]["decision_log_lines"] == 1 and service.decision_log.records("shared") == []


def test_another_key_cannot_erase_lines_written_by_scoring_alone(tmp_path):
    """The trial's report: key B erased key A's /v1/score lines, as no invitation of the id existed."""
    with two_organisations(tmp_path) as http:
        service = http.app.state.service
        for _ in range(2):
            scored = http.post("/v1/score", json={"candidate_id": "orgA-scored-7", "tc1": 5}, headers=support.AUTH)
            assert scored.status_code == 200
        batch = {"assessments": [{"candidate_id": "orgA-scored-7", "tc1": 4}]}
        assert http.post("/v1/score/batch", json=batch, headers=support.AUTH).json()["summary"]["scored"] == 1
        theirs = http.delete("/v1/candidates/orgA-scored-7", headers=OTHER)
        assert theirs.status_code == 200 and theirs.json()["deleted"]["decision_log_lines"] == 0
        assert len(service.decision_log.records("orgA-scored-7")) == 3
        mine = http.delete("/v1/candidates/orgA-scored-7", headers=support.AUTH).json()
        assert mine["deleted"]["decision_log_lines"] == 3 and service.decision_log.records("orgA-scored-7") == []


def test_decision_lines_name_their_key_by_a_keyed_pseudonym_only(tmp_path):
    with two_organisations(tmp_path) as http:
        service = http.app.state.service
        http.post("/v1/score", json={"candidate_id": "c-1", "tc1": 5}, headers=support.AUTH)
        http.post("/v1/score", json={"candidate_id": "c-1", "tc1": 5}, headers=OTHER)
        mine, theirs = (record["organisation"] for record in service.decision_log.records("c-1"))
        assert mine != theirs and len(mine) == 64
        text = (tmp_path / "d.jsonl").read_text(encoding="utf-8")
        for key in (support.KEY, OTHER_KEY):  # neither the key nor its digest, which the database holds
            assert key not in text and hashlib.sha256(key.encode()).hexdigest() not in text


def test_lines_written_before_they_named_a_key_stay_for_the_operator(tmp_path):
    with two_organisations(tmp_path) as http:
        service = http.app.state.service
        # A line as the service wrote it before lines were attributed (no "organisation").
        service.decision_log.review("old-1", reviewer="K. Berg", decision="invite")
        http.post("/v1/score", json={"candidate_id": "old-1", "tc1": 5}, headers=support.AUTH)
        erased = http.delete("/v1/candidates/old-1", headers=support.AUTH).json()
        assert erased["deleted"]["decision_log_lines"] == 1  # its own line; the unattributed one is not its to erase
        [left] = service.decision_log.records("old-1")
        assert left["kind"] == "review" and "organisation" not in left
        assert service.decision_log.erase("old-1") == 1  # the operator's erasure reaches every line


@hypothesis_settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    scores=st.lists(st.tuples(st.booleans(), st.sampled_from(["a", "b"]), st.booleans()), max_size=8),
    eraser=st.booleans(),
)
def test_property_an_erasure_removes_exactly_the_lines_its_key_wrote(tmp_path_factory, scores, eraser):
    """Whatever each key scored (one or in a batch, under either id), an erasure by one key removes that key's
    lines of the id and no other line, and says how many."""
    folder = tmp_path_factory.mktemp("attributed")
    with two_organisations(folder) as http:
        log = http.app.state.service.decision_log
        for first_key, candidate, batch in scores:
            headers = support.AUTH if first_key else OTHER
            assessment = {"candidate_id": candidate, "tc1": 5}
            if batch:
                scored = http.post("/v1/score/batch", json={"assessments": [assessment]}, headers=headers)
                assert scored.json()["summary"]["scored"] == 1
            else:
                assert http.post("/v1/score", json=assessment, headers=headers).status_code == 200
        before = {candidate: len(log.records(candidate)) for candidate in "ab"}
        assert before["a"] + before["b"] == len(scores)
        mine = sum(1 for first_key, candidate, _ in scores if first_key == eraser and candidate == "a")
        erased = http.delete("/v1/candidates/a", headers=support.AUTH if eraser else OTHER).json()
        assert erased["deleted"]["decision_log_lines"] == mine
        assert len(log.records("a")) == before["a"] - mine and len(log.records("b")) == before["b"]


def test_erased_data_is_gone_from_the_database_files_and_the_wal(tmp_path, mail_server):
    smtp = SmtpSettings(host="127.0.0.1", port=mail_server.port, starttls=False)
    candidate, address = "wal-candidate-7f3a9c", "wal-person-7f3a9c@example.test"
    database = tmp_path / "service.db"

    def raw() -> bytes:
        return b"".join(p.read_bytes() for p in tmp_path.glob("service.db*"))

    with support.client(tmp_path, smtp=smtp) as http:
        created = http.post("/v1/invitations", json={"candidate_id": candidate, "email": address}, headers=support.AUTH)
        assert created.status_code == 201
        support.fill_in(http, created.json()["test_url"], answers_for(http.app.state.service.instrument))
        assert candidate.encode() in raw()  # the check below can see what it looks for
        assert address.encode() not in raw()  # never stored at all
        assert http.delete(f"/v1/candidates/{candidate}", headers=support.AUTH).status_code == 200
        wal = database.with_name("service.db-wal")
        assert not wal.exists() or wal.stat().st_size == 0  # checkpointed and truncated
        assert candidate.encode() not in raw()
        assert address.encode() not in raw()


# ---- erasure records cannot be reversed ------------------------------------------------------------------------


def test_an_erasure_record_is_keyed_not_a_plain_hash_of_the_id(tmp_path):
    with support.client(tmp_path) as http:
        http.post("/v1/invitations", json={"candidate_id": "c-1042"}, headers=support.AUTH)
        http.delete("/v1/candidates/c-1042", headers=support.AUTH)
        [record] = rows(http, "SELECT * FROM erasures")
        text = json.dumps([str(value) for value in record])
        assert hashlib.sha256(b"c-1042").hexdigest() not in text  # the reversible form of before
        assert "c-1042" not in text
        key = erasure_key(http.app.state.service.settings.secret_key)
        assert candidate_hmac("c-1042", key) in text  # provable by whoever holds the service's secret
        assert candidate_hmac("c-1042", erasure_key(b"t" * 32)) not in text


def test_migration_drops_the_old_reversible_hashes(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0001")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO erasures (candidate_sha256, reason, erased_at, invitations, answers, results) "
                "VALUES (:digest, 'request', '2026-11-30 08:00:00', 1, 0, 0)"
            ),
            {"digest": hashlib.sha256(b"c-7").hexdigest()},
        )
    upgrade(url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT candidate_hmac, invitations FROM erasures")).all() == [(None, 1)]
        columns = {column["name"] for column in sa.inspect(connection).get_columns("erasures")}
    assert "candidate_sha256" not in columns
    downgrade(url, "0001")
    engine.dispose()


# ---- owner-only files ------------------------------------------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_database_and_decision_log_are_created_owner_only(tmp_path):
    previous = os.umask(0o022)  # a usual umask: files would be 0644 unless made otherwise
    try:
        folder = tmp_path / "new-folder"
        log_path = tmp_path / "logs" / "decisions.jsonl"
        settings = support.settings(
            tmp_path, database_url=f"sqlite:///{folder / 'service.db'}", decision_log=str(log_path)
        )
        with TestClient(create_app(settings, artifact=support.artifact())) as http:
            http.post("/v1/invitations", json={"candidate_id": "m-1"}, headers=support.AUTH)
            http.post("/v1/score", json={"candidate_id": "m-1", "sj1": "b"}, headers=support.AUTH)
            assert mode(folder) == 0o700
            files = list(folder.glob("service.db*"))
            assert {path.name for path in files} >= {"service.db", "service.db-wal"}
            assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}
            assert mode(log_path) == 0o600 and mode(log_path.parent) == 0o700
    finally:
        os.umask(previous)


def test_an_existing_database_open_to_others_is_narrowed(tmp_path, caplog):
    database = tmp_path / "service.db"
    database.touch(mode=0o644)
    database.chmod(0o644)
    make_engine(f"sqlite:///{database}").dispose()
    assert mode(database) == 0o600
    assert "narrowed to 0600" in caplog.text


# ---- the retention job -----------------------------------------------------------------------------------------


def test_retention_job_erases_what_is_past_each_period(tmp_path):
    log_path = tmp_path / "decisions.jsonl"
    settings = support.settings(
        tmp_path, decision_log=str(log_path), retention_days=30, decision_log_days=200, retention_check_seconds=0
    )
    now = utcnow()
    clock = {"now": now}
    app = create_app(settings, artifact=support.artifact(), clock=lambda: clock["now"])
    with TestClient(app) as http:
        service, job = app.state.service, app.state.retention
        link = http.post("/v1/invitations", json={"candidate_id": "r-1"}, headers=support.AUTH).json()
        support.fill_in(http, link["test_url"], answers_for(service.instrument))
        assert job.run_once().invitations == 0  # today: nothing is old
        clock["now"] = now + timedelta(days=31)
        run = job.run_once()
        assert (run.invitations, run.answers, run.results, run.decision_log_lines) == (
            1,
            len(answers_for(service.instrument)),
            1,
            0,
        )
        assert len(service.decision_log.records("r-1")) == 1  # the log keeps its own, longer period
        assert rows(http, "SELECT reason, invitations FROM erasures") == [("retention", 1)]
        assert job.run_once().invitations == 0 and len(rows(http, "SELECT * FROM erasures")) == 1  # no empty record
        clock["now"] = now + timedelta(days=201)
        assert job.run_once().decision_log_lines == 1 and service.decision_log.records("r-1") == []


def test_serve_runs_the_retention_job_at_start(tmp_path):
    with support.client(tmp_path) as http:
        old = http.post("/v1/invitations", json={"candidate_id": "old"}, headers=support.AUTH).json()
    later = utcnow() + timedelta(days=181)  # past the default 180 days
    app = create_app(support.settings(tmp_path), artifact=support.artifact(), clock=lambda: later)
    with TestClient(app) as http:
        deadline = time.monotonic() + 20
        while app.state.retention.runs < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert app.state.retention.runs >= 1
        assert http.get(f"/v1/invitations/{old['invitation_id']}", headers=support.AUTH).status_code == 404


def test_retention_settings_are_read_and_checked():
    from profilefit.apps.service import Settings

    env = {
        "PROFILEFIT_SECRET_KEY": "s" * 32,
        "PROFILEFIT_DECISION_LOG_DAYS": "400",
        "PROFILEFIT_RETENTION_CHECK_SECONDS": "0",
    }
    settings = Settings.from_env(env)
    assert (settings.decision_log_days, settings.retention_check_seconds) == (400.0, 0.0)
    for name, value in (("retention_days", 0.0), ("decision_log_days", -1.0), ("retention_days", float("nan"))):
        with pytest.raises(ValueError, match=f"{name}=.*allowed: a number of days above 0"):
            Settings(secret_key=b"s" * 32, **{name: value})
    with pytest.raises(ValueError, match=r"retention_check_seconds=-1\.0: allowed: 0"):
        Settings(secret_key=b"s" * 32, retention_check_seconds=-1.0)


def test_a_short_decision_log_period_is_warned_about(tmp_path, caplog):
    with support.client(tmp_path, decision_log=str(tmp_path / "d.jsonl"), decision_log_days=90):
        pass
    assert "PROFILEFIT_DECISION_LOG_DAYS=90" in caplog.text and "six months" in caplog.text


# ---- erasure ids count nothing -------------------------------------------------------------------------------


def test_an_erasure_id_is_random_and_counts_no_other_key_s_erasures(tmp_path):
    """A trial: key B's erasure_id followed key A's (a counter shared by every key), so B could count A's."""
    with two_organisations(tmp_path) as http:
        ids = [
            http.delete(f"/v1/candidates/c-{k}", headers=support.AUTH if k % 2 else OTHER).json()["erasure_id"]
            for k in range(6)
        ]
    assert all(isinstance(found, str) and len(found) == 32 and int(found, 16) >= 0 for found in ids), ids
    assert len(set(ids)) == len(ids)


def test_migration_gives_each_earlier_erasure_record_a_random_id(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0006_reserved_invitation_id")
    engine = make_engine(url)
    with engine.begin() as connection:
        for _ in range(3):
            connection.execute(
                sa.text(
                    "INSERT INTO erasures (reason, erased_at, invitations, answers, results) "
                    "VALUES ('request', '2026-11-30 08:00:00', 1, 0, 0)"
                )
            )
    upgrade(url)
    with engine.connect() as connection:
        found = [row[0] for row in connection.execute(sa.text("SELECT public_id FROM erasures")).all()]
    assert len(set(found)) == 3 and all(len(value) == 32 for value in found), found
    downgrade(url, "0006_reserved_invitation_id")
    with engine.connect() as connection:
        assert "public_id" not in {c["name"] for c in sa.inspect(connection).get_columns("erasures")}
    engine.dispose()
