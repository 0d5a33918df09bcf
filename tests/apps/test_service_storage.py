"""Storage: migrations up from empty and down again, erasure with its record, retention, export of results."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from profilefit.apps.cli import main
from profilefit.apps.service import downgrade, export_results, purge_expired, upgrade
from profilefit.apps.service._storage import (
    Base,
    Erasure,
    Invitation,
    alembic_config,
    candidate_hmac,
    erasure_key,
    make_engine,
    sessions,
    utcnow,
)
from profilefit.core.screening import Screener
from profilefit.data.batch import result_columns, score_batch
from profilefit.data.io import read_table
from tests import service_support as support

TABLES = {"invitations", "answers", "results", "erasures", "callbacks", "idempotency_keys"}


def database_urls(tmp_path):
    """The databases to test on, each yielded while this test holds it alone (a shared server's is locked).

    A PostgreSQL server is used when one is given (docs/service.md says how CI can start one). It is one
    database for every test worker: two tests that migrate, invite or score on it at once would see each
    other's rows, so each holds it (:func:`tests.service_support.only_user_of`) until it has left it empty.
    """
    urls = [f"sqlite:///{tmp_path / 'migrate.db'}"]
    if os.environ.get("PROFILEFIT_TEST_POSTGRES_URL"):
        urls.append(os.environ["PROFILEFIT_TEST_POSTGRES_URL"])
    for url in urls:
        with support.only_user_of(url):
            yield url


def test_migrations_upgrade_from_empty_match_the_models_and_downgrade(tmp_path):
    for url in database_urls(tmp_path):
        engine = make_engine(url)
        upgrade(url)
        assert set(sa.inspect(engine).get_table_names()) >= TABLES
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
            assert context.get_current_revision() == head
            assert compare_metadata(context, Base.metadata) == []  # migrations and models agree
        downgrade(url)
        assert not TABLES & set(sa.inspect(engine).get_table_names())
        upgrade(url)  # and up again: the downgrade left nothing behind that blocks it
        assert set(sa.inspect(engine).get_table_names()) >= TABLES
        downgrade(url)
        engine.dispose()


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """A service with two candidates who finished the test and one who did not."""
    folder = tmp_path_factory.mktemp("storage")
    with support.client(folder) as http:
        instrument = http.app.state.service.instrument
        answers = {}
        for number, candidate in enumerate(("cand-a", "=cand-b", "cand-c")):
            created = http.post(
                "/v1/invitations", json={"candidate_id": candidate, "language": "en"}, headers=support.AUTH
            ).json()
            given = {item: 1 + (k + number) % 6 for k, item in enumerate(instrument.item_ids)}
            given.update({check.id: check.expected or 2 for check in instrument.attention_checks})
            given.update({s.id: s.options[number % len(s.options)].id for s in instrument.scenarios})
            if candidate != "cand-c":
                support.fill_in(http, created["test_url"], given)
                answers[candidate] = given
        yield http, folder, answers


def test_export_results_is_the_batch_results_format(filled):
    http, folder, answers = filled
    service = http.app.state.service
    output = folder / "exported.jsonl"
    assert export_results(service.settings.database_url, output) == 2
    header, rows = read_table(output, what="results")
    screener = Screener(support.artifact())
    assert list(header) == result_columns(screener)
    with service.sessions() as session:
        seconds = {
            invitation.candidate_id: service.assessment(service.load(session, invitation.id))["completion_seconds"]
            for invitation in session.scalars(sa.select(Invitation))
        }
    records = [{"candidate_id": c, "completion_seconds": seconds[c], **a} for c, a in answers.items()]
    expected = score_batch(screener, records).results.to_dict("records")
    exported = [row for _, row in rows]
    assert [row["candidate_id"] for row in exported] == [row["candidate_id"] for row in expected]
    for got, want in zip(exported, expected, strict=True):
        for column in result_columns(screener):
            if isinstance(want[column], float):
                assert got[column] == pytest.approx(want[column], nan_ok=True), column
            else:
                assert (got[column] or "") == (want[column] or ""), column


def test_export_results_command_writes_csv_safe_for_spreadsheets(filled, capsys):
    http, folder, _ = filled
    output = folder / "exported.csv"
    assert main(["export-results", "--database", http.app.state.service.settings.database_url, "-o", str(output)]) == 0
    text = output.read_text(encoding="utf-8")
    columns = result_columns(Screener(support.artifact()))
    assert text.splitlines()[0] == ",".join(f'"{column}"' for column in columns)  # as profilefit score writes it
    assert "'=cand-b" in text  # a formula-like id is neutralised, as in profilefit score's CSV
    assert "wrote 2 result(s)" in capsys.readouterr().out


def test_erasure_deletes_everything_of_the_candidate_and_keeps_a_record(tmp_path):
    with support.client(tmp_path) as http:
        service = http.app.state.service
        created = http.post("/v1/invitations", json={"candidate_id": "erase-me"}, headers=support.AUTH).json()
        instrument = service.instrument
        given = {item: 4 for item in instrument.item_ids}
        given.update({check.id: check.expected or 2 for check in instrument.attention_checks})
        given.update({s.id: "a" for s in instrument.scenarios})
        support.fill_in(http, created["test_url"], given)
        kept = http.post("/v1/invitations", json={"candidate_id": "keep-me"}, headers=support.AUTH).json()
        response = http.delete("/v1/candidates/erase-me", headers=support.AUTH)
        assert response.status_code == 200
        body = response.json()
        assert body["reason"] == "request" and body["deleted"]["invitations"] == 1
        assert body["deleted"]["answers"] == len(given) and body["deleted"]["results"] == 1
        assert http.get(f"/v1/invitations/{created['invitation_id']}", headers=support.AUTH).status_code == 404
        assert http.get(f"/v1/invitations/{kept['invitation_id']}", headers=support.AUTH).status_code == 200
        with service.sessions() as session:
            [record] = session.scalars(sa.select(Erasure)).all()
            assert record.candidate_hmac == candidate_hmac("erase-me", erasure_key(service.settings.secret_key))
            rows = session.execute(sa.text("SELECT * FROM erasures")).all()
            assert "erase-me" not in json.dumps([list(map(str, row)) for row in rows])
        assert http.delete("/v1/candidates/erase-me").status_code == 401


def test_retention_purges_what_is_older_than_the_period(tmp_path):
    with support.client(tmp_path) as http:
        service = http.app.state.service
        old = http.post("/v1/invitations", json={"candidate_id": "old"}, headers=support.AUTH).json()
        new = http.post("/v1/invitations", json={"candidate_id": "new"}, headers=support.AUTH).json()
        with service.sessions() as session:
            service.load(session, old["invitation_id"]).created_at = utcnow() - timedelta(days=200)
            session.commit()
            record = purge_expired(session, retention_days=180)
        assert (record.reason, record.invitations, record.candidate_hmac) == ("retention", 1, None)
        assert http.get(f"/v1/invitations/{old['invitation_id']}", headers=support.AUTH).status_code == 404
        assert http.get(f"/v1/invitations/{new['invitation_id']}", headers=support.AUTH).status_code == 200


def test_purge_command(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'purge.db'}"
    upgrade(url)
    engine = make_engine(url)
    with sessions(engine)() as session:
        now = utcnow()
        session.add(
            Invitation(
                id="a" * 32,
                owner="0" * 64,
                candidate_id="x",
                role="complex-case",
                language="en",
                source="api",
                status="sent",
                created_at=now - timedelta(days=40),
                expires_at=now,
                page_seconds={},
            )
        )
        session.commit()
    engine.dispose()
    assert main(["purge-expired", "--database", url, "--retention-days", "30"]) == 0
    assert "purged 1 invitation(s)" in capsys.readouterr().out


def test_the_whole_flow_on_every_database(tmp_path):
    """Invite, answer, score, export and erase on SQLite, and on PostgreSQL when one is given."""
    for number, url in enumerate(database_urls(tmp_path)):
        (tmp_path / str(number)).mkdir()
        with support.client(tmp_path / str(number), database_url=url) as http:
            service = http.app.state.service
            instrument = service.instrument
            given = {item: 2 + k % 4 for k, item in enumerate(instrument.item_ids)}
            given.update({check.id: check.expected or 2 for check in instrument.attention_checks})
            given.update({s.id: "b" for s in instrument.scenarios})
            created = http.post(
                "/v1/invitations", json={"candidate_id": "flow-1", "language": "sv"}, headers=support.AUTH
            )
            support.fill_in(http, created.json()["test_url"], given)
            status = http.get(f"/v1/invitations/{created.json()['invitation_id']}", headers=support.AUTH).json()
            assert status["status"] == "completed" and status["result"]["candidate_id"] == "flow-1"
            assert export_results(url, tmp_path / f"flow{number}.jsonl") == 1
            erased = http.delete("/v1/candidates/flow-1", headers=support.AUTH).json()
            expected = {"invitations": 1, "answers": len(given), "results": 1, "decision_log_lines": 0}
            assert erased["deleted"] == expected  # this service keeps no decision log
        downgrade(url)  # leave the server's database empty for the next run
