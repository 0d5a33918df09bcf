"""An applicant-tracking system's side of the exchange with a running profilefit service.

Start a service, then run this against it::

    PROFILEFIT_API_KEYS=demo-key-0123456789 profilefit serve &
    PROFILEFIT_API_KEY=demo-key-0123456789 python examples/ats_client.py [http://127.0.0.1:8000]

It does what an ATS does, with nothing but the standard library: reads the instrument (to build
its own form), scores one assessment and a batch, invites a candidate to the test page (with an
idempotency key, and once more as a retry would, which gets the same invitation), answers
the page as the candidate would (posting its forms, as a browser without JavaScript does), polls
the invitation until it is complete, prints the result a recruiter would see, and erases the
candidate again. Results support a person's decision; the reference model is trained on
simulated candidates.
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from html.parser import HTMLParser
from typing import Any


class Service:
    """A small client of the /v1 API: Bearer key, JSON in and out, problem details raised as errors."""

    def __init__(self, base_url: str, key: str) -> None:
        self.base_url, self.key = base_url.rstrip("/"), key

    def call(self, method: str, path: str, body: Any = None, *, idempotency_key: str | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.key}")
        if idempotency_key:  # a retry of this request gets the first answer, never a second invitation
            request.add_header("Idempotency-Key", idempotency_key)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:  # a problem (RFC 9457): title, detail, field errors
            problem = json.load(error)
            raise SystemExit(
                f"{method} {path}: {error.code} {problem['title']}: {problem.get('errors') or problem['detail']}"
            ) from None


class PageForm(HTMLParser):
    """The action and radio questions of one test page."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.questions: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            self.action = found.get("action") or ""
        elif tag == "input" and found.get("type") == "radio":
            self.questions.setdefault(found["name"] or "", []).append(found["value"] or "")


def answer_as_candidate(link: str, choose: Any) -> str:
    """Open the candidate's link, accept the privacy notice, answer every page; return the last page."""
    parts = urllib.parse.urlsplit(link)
    origin = f"{parts.scheme}://{parts.netloc}"

    def post(path: str, fields: dict[str, str]) -> str:
        data = urllib.parse.urlencode(fields).encode()
        with urllib.request.urlopen(urllib.request.Request(origin + path, data=data), timeout=30) as response:
            return str(response.read().decode("utf-8"))  # redirects (303) are followed to the next page

    with urllib.request.urlopen(link, timeout=30) as response:
        page = response.read().decode("utf-8")
    form = PageForm()
    form.feed(page)
    page = post(form.action, {"consent": "yes", "lang": "nb"})
    while True:
        form = PageForm()
        form.feed(page)
        if not form.questions:
            return page
        page = post(form.action, {**{q: choose(q, options) for q, options in form.questions.items()}, "lang": "nb"})


def main(base_url: str = "http://127.0.0.1:8000", key: str | None = None) -> int:
    key = key or os.environ.get("PROFILEFIT_API_KEY", "")
    if not key:
        print("set PROFILEFIT_API_KEY to one of the service's API keys", file=sys.stderr)
        return 2
    service = Service(base_url, key)

    # The candidate below answers in Norwegian (nb), so the instrument is read in nb: the text a candidate sees.
    instrument = service.call("GET", "/v1/instrument?lang=nb")
    # Version 2.0 (what new invitations use) has forced-choice blocks of three statements; 1.x has agreement items.
    blocks = instrument.get("blocks", [])
    statements = sum(len(block["statements"]) for block in blocks) + len(instrument["items"])
    first = blocks[0]["statements"][0]["text"] if blocks else instrument["items"][0]["text"]
    print(
        f"instrument {instrument['instrument_id']} {instrument['version']}: {len(blocks)} blocks, "
        f"{statements} statements, {len(instrument['scenarios'])} scenarios, about "
        f"{instrument['estimated_minutes'][0]:.0f}-{instrument['estimated_minutes'][1]:.0f} minutes; "
        f"first statement (nb): {first!r}"
    )

    # A block's answer is two letters: the statement most like the candidate, then the one least like them.
    one = service.call("POST", "/v1/score", {"candidate_id": "ats-1", "b01": "ac", "b02": "ba", "sj1": "b"})
    print(
        f"scored ats-1: profile {one['profile']}, fit {one['fit']['score']} ({one['fit']['band'] or 'incomplete'}), "
        f"needs human review: {one['needs_human_review']}"
    )
    batch = service.call(
        "POST",
        "/v1/score/batch",
        {"assessments": [{"candidate_id": "ats-2", "b01": "cb"}, {"candidate_id": "ats-3", "b01": "aa"}]},
    )
    print(f"batch: {batch['summary']}; problem: {batch['problems'][0]['field']}: {batch['problems'][0]['reason']}")

    invite = {"candidate_id": "ats-4", "language": "nb"}
    key = str(uuid.uuid4())  # one key per invitation the ATS means to make; kept to retry with
    invitation = service.call("POST", "/v1/invitations", invite, idempotency_key=key)
    retried = service.call("POST", "/v1/invitations", invite, idempotency_key=key)  # as after a lost answer
    if retried["invitation_id"] != invitation["invitation_id"]:
        raise SystemExit("a retry with the same Idempotency-Key made a second invitation")
    print(f"invited ats-4: {invitation['test_url']} (valid until {invitation['expires_at']})")

    # The candidate's side: varied answers, and what each attention check asks for. A real candidate
    # takes minutes; this one answers at once, so the result carries the too-fast flag.
    labels = instrument["response_scale"]["labels"]
    rng = random.Random(4)

    most: dict[str, str] = {}

    def choose(question: str, options: list[str]) -> str:
        block, _, mark = question.rpartition("_")
        if mark == "most":  # a block's two marks: most, then least, never the same statement
            most[block] = rng.choice(options)
            return most[block]
        if mark == "least":
            return rng.choice([option for option in options if option != most.get(block)])
        text = next((item["text"] for item in instrument["attention_checks"] if item["id"] == question), "")
        asked = [str(k + instrument["response_scale"]["min"]) for k, label in enumerate(labels) if f"«{label}»" in text]
        return asked[0] if asked else rng.choice(options)

    thanks = answer_as_candidate(invitation["test_url"], choose)
    seen = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", thanks)).split("Takk", 1)[-1].strip()
    print("candidate saw (nb):", seen if len(seen) <= 100 else seen[:100].rsplit(" ", 1)[0] + " …")

    for _ in range(20):
        status = service.call("GET", f"/v1/invitations/{invitation['invitation_id']}")
        if status["status"] == "completed":
            break
        time.sleep(0.5)
    result = status["result"]
    print(
        f"ats-4 {status['status']}: profile {result['profile']}, fit {result['fit']['score']} "
        f"({result['fit']['band']}), flags {[f['flag'] for f in result['flags']] or 'none'}; "
        f"report: {status['report_url']}"
    )
    print("notice:", result["notice"])

    erased = service.call("DELETE", "/v1/candidates/ats-4")
    print(f"erased ats-4: {erased['deleted']} (erasure record {erased['erasure_id']})")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
