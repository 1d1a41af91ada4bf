"""Generated update bodies (UPD-*) and query options (QRY-*): each check cites its own page's line, is skipped
with the reason where the pages do not document the operation or option, draws from the seed alone, stays
within its request cap, and tells a conformant target (and legal variations) from broken ones: an
independently written server on 127.0.0.1 that answers differently but legally, and the reference's faults
(the kill matrix runs every one of them at concurrency 1 and 8)."""

from __future__ import annotations

import json
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from conformance.checks import bind
from conformance.checks._queries import REQUESTS as QUERY_REQUESTS
from conformance.checks._queries import TOP_BOUND, UNKNOWN, select_sets, top_values
from conformance.checks.updates import NEGATIVE, negative_bodies, updatable
from conformance.checks.updates import REQUESTS as UPDATE_REQUESTS
from conformance.config import Config
from conformance.contract.derive import derive_page, derive_text
from conformance.contract.pageset import combine
from conformance.reference.server import ReferenceServer
from conformance.results import Status
from conformance.runner import run
from tests.seed_spec import SEED_SPEC

HERE = Path(__file__).resolve().parent / "cases" / "resource"
GADGET = [HERE / f"gadget-{n}.md" for n in ("create", "read", "all", "change", "remove")]
NEW = [
    "UPD-001", "UPD-002", "UPD-101", "UPD-102",
    *(f"QRY-00{i}" for i in range(1, 8)), "QRY-101",
]  # fmt: skip
TOKEN = "updates-queries-secret-token-0123"


@pytest.fixture(scope="module")
def gadget():
    return combine([derive_page(p) for p in GADGET])


def run_on(spec, url: str, *, seed: int = 7, concurrency: int = 8, examples: int = 5):
    config = Config(seed=seed, examples=examples, formats=(), timeout=5.0, concurrency=concurrency)
    return run(spec, config, base_url=url, spec_file="gadget", token=TOKEN)


def outcome(result) -> dict[str, tuple[Status, str]]:
    return {
        r.check.id: (r.status, r.error or (r.findings[0].message if r.findings else ""))
        for r in result.results
        if r.check.id in NEW
    }


# ---------------------------------------------------------------- binding: doc lines and skips


def _line(name: str, line: int) -> str:
    return (HERE / name).read_text().splitlines()[line - 1]


def test_each_check_cites_the_line_of_its_own_page(gadget):
    where = {b.check.id: b.info.doc for b in bind(gadget)}
    assert where["UPD-001"].file == "gadget-change.md"
    assert "204 No Content" in _line("gadget-change.md", where["UPD-001"].line)
    assert _line("gadget-change.md", where["UPD-002"].line).startswith("| color |")  # the table's first row
    for check_id, page, option in (
        ("QRY-001", "gadget-all.md", "$top"),
        ("QRY-005", "gadget-all.md", "$top"),
        ("QRY-004", "gadget-all.md", "$filter"),
        ("QRY-003", "gadget-all.md", "$select"),
        ("QRY-007", "gadget-all.md", "$select"),
        ("QRY-002", "gadget-read.md", "$select"),
        ("QRY-006", "gadget-read.md", "$select"),
    ):
        assert where[check_id].file == page, check_id
        assert option in _line(page, where[check_id].line), check_id
    assert where["UPD-101"] is None
    assert where["QRY-101"] is None


def test_the_seed_alone_only_adds_skips_with_reasons():
    bound = {b.check.id: b for b in bind(SEED_SPEC)}
    for check_id in NEW:
        reason = bound[check_id].skip_reason
        assert reason, check_id
        assert "the pages document no" in reason, check_id


def test_an_option_the_page_does_not_name_is_skipped_with_the_reason(gadget):
    listing = (HERE / "gadget-all.md").read_text().replace("Supports `$top`, `$filter` and `$select`.", "")
    spec = combine([derive_page(GADGET[0]), derive_page(GADGET[1]), derive_text(listing, "gadget-all.md")])
    bound = {b.check.id: b for b in bind(spec)}
    assert bound["QRY-001"].skip_reason == "the list page does not name $top among its query options"
    assert bound["QRY-004"].skip_reason == "the list page does not name $filter among its query options"
    assert bound["QRY-002"].skip_reason is None  # the get page still names $select
    assert "no update operation" in bound["UPD-001"].skip_reason


def test_an_update_page_of_read_only_properties_gives_nothing_to_send(gadget):
    change = (HERE / "gadget-change.md").read_text()
    change = change.replace("| The color. |", "| The color. Read-only. |").replace(
        "| The size in millimetres. |", "| The size in millimetres. Read-only. |"
    )
    spec = combine([*(derive_page(p) for p in GADGET[:3]), derive_text(change, "gadget-change.md")])
    bound = {b.check.id: b for b in bind(spec)}
    for check_id in ("UPD-001", "UPD-002", "UPD-101"):
        assert "lists no property a client may change" in bound[check_id].skip_reason
    assert bound["LIFE-003"].skip_reason is None or "no property" not in bound["LIFE-003"].skip_reason


# ---------------------------------------------------------------- drawn from the seed alone


def test_values_are_drawn_from_the_seed(gadget):
    assert top_values(5) == top_values(5)
    assert all(1 <= n <= TOP_BOUND for n in top_values(5))
    assert len(set(top_values(5))) == 2
    assert select_sets(gadget, "get", 5) == select_sets(gadget, "get", 5)
    assert len(select_sets(gadget, "get", 5)[0]) == 1  # one name first: the selection that leaves most out
    update = updatable(gadget)
    assert update is not None
    assert {p.name for p in update.properties} == {"color", "size"}
    first = negative_bodies(update, 5)
    assert first == negative_bodies(update, 5)
    assert 1 <= len(first) <= NEGATIVE
    assert {tuple(b) for _label, b in first} == {("color",), ("size",)}  # one per property first
    seeds = {json.dumps(negative_bodies(update, s)) for s in range(8)}
    assert len(seeds) > 1  # another seed, other cases


def test_read_only_properties_and_the_key_are_never_sent(gadget):
    change = (
        (HERE / "gadget-change.md")
        .read_text()
        .replace(
            "| size | Int32 | The size in millimetres. |",
            "| size | Int32 | The size in millimetres. |\n| id | String | The identifier. |\n"
            "| serial | String | Read-only. |",
        )
    )
    spec = combine([*(derive_page(p) for p in GADGET[:3]), derive_text(change, "gadget-change.md")])
    update = updatable(spec)
    assert update is not None
    assert [p.name for p in update.properties] == ["color", "size"]


# ---------------------------------------------------------------- the reference and its request cap


@pytest.mark.parametrize("concurrency", [1, 8])
def test_the_reference_passes_them_all_within_the_request_cap(gadget, concurrency):
    with ReferenceServer(gadget, token=TOKEN) as server:
        result = run_on(gadget, server.url, concurrency=concurrency)
    got = outcome(result)
    assert all(status is Status.PASS for status, _ in got.values()), got
    sent = {r.check.id: r.requests for r in result.results}
    assert sent["UPD-001"] + sent["UPD-002"] + sent["UPD-101"] <= UPDATE_REQUESTS
    assert sum(sent[i] for i in NEW if i.startswith("QRY")) <= QUERY_REQUESTS
    assert result.exit_code == 0


def test_examples_0_turns_the_generated_updates_off(gadget):
    with ReferenceServer(gadget, token=TOKEN) as server:
        got = outcome(run_on(gadget, server.url, examples=0))
    assert got["UPD-001"] == (Status.SKIP, "generated tests are off (--examples 0 or --no-fuzz)")
    assert got["QRY-001"][0] is Status.PASS  # query options are not generated bodies


@pytest.mark.parametrize(
    ("faults", "failing"),
    [
        (["update-ignores-last-property"], {"UPD-001"}),
        # it validates no update, so an undeclared property is stored too
        (["update-accepts-mistyped"], {"UPD-002", "UPD-102"}),
        (["update-refusal-applies"], {"UPD-002"}),
        (["update-error-bare"], {"UPD-101"}),
        (["top-only-one"], {"QRY-001"}),
        (["top-invalid-ignored"], {"QRY-005"}),
        (["select-ignored"], {"QRY-002", "QRY-003", "QRY-006", "QRY-007"}),
        (["select-unknown-500"], {"QRY-006", "QRY-007"}),
        (["filter-ignored"], {"QRY-004"}),
        (["filter-400", "select-keeps-key", "select-unknown-ignored", "update-200", "page-size-1"], set()),
    ],
)
def test_faults_fail_their_rule_and_variations_pass(gadget, faults, failing):
    with ReferenceServer(gadget, faults=faults, token=TOKEN) as server:
        got = outcome(run_on(gadget, server.url))
    assert {i for i, (status, _) in got.items() if status is Status.FAIL} == failing, got


def test_a_failing_update_is_shrunk_and_names_the_seed(gadget):
    with ReferenceServer(gadget, faults=["update-accepts-mistyped"], token=TOKEN) as server:
        result = run_on(gadget, server.url)
    (upd,) = [r for r in result.results if r.check.id == "UPD-002"]
    assert "shrunk body:" in upd.findings[0].message
    assert upd.findings[0].evidence.seed == 7


# ------------------------------------------------ an independent legal server and its broken twin


_UNREAD = object()  # a request whose body the handler has not read yet


class _Gadgets(BaseHTTPRequestHandler):
    """Gadgets written apart from the reference: upper-case GUIDs, 200 with the object on every update,
    422 for a bad update, $select always with the id, a $filter it cannot apply refused with 400, an unknown
    $select answered with the id alone. `broken` makes it store mistyped updates and ignore $top."""

    protocol_version = "HTTP/1.1"
    store: ClassVar[dict[str, dict]] = {}
    broken = False
    parsed: object = _UNREAD

    def log_message(self, *args):
        pass

    def _send(self, status: int, body: object | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str) -> None:
        self._send(status, {"error": {"code": "invalidRequest", "message": message}})

    def parse_request(self) -> bool:
        self.parsed = _UNREAD  # a new request on the connection: its body is not read yet
        return super().parse_request()

    def _body(self) -> object:
        """The request's JSON body (None when it is no JSON), read once per request. A subclass may look
        at it first, or set `parsed` to the body this handler should act on."""
        if self.parsed is _UNREAD:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                self.parsed = json.loads(raw or b"null")
            except ValueError:
                self.parsed = None
        return self.parsed

    def _route(self) -> tuple[str | None, dict[str, list[str]]]:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        path = parts.path.rstrip("/")
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return "", query
        if path == "/shelves/conformance-test/gadgets":
            return None, query
        for prefix in ("/shelves/conformance-test/gadgets('", "/shelves/conformance-test/gadgets/"):
            if path.startswith(prefix):
                return path[len(prefix) :].rstrip("')").lower(), query
        return "", query

    def _auth_or_404(self, key: str | None) -> bool:
        if key == "":
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self.send_response(401)
                self.send_header("WWW-Authenticate", "Bearer")
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._error(404, "no such path")
            return False
        return True

    @staticmethod
    def _valid(body: dict, *, create: bool) -> bool:
        types = {"color": str, "size": int}
        if create and not isinstance(body.get("color"), str):
            return False
        return all(
            n in types
            # the update page does not say `color` is non-nullable, so null is a value it takes there (OData)
            and (
                (v is None and (n == "size" or not create))
                or (isinstance(v, types[n]) and not isinstance(v, bool))
            )
            for n, v in body.items()
            if not n.startswith("@")
        )

    def _select(self, entity: dict, query: dict[str, list[str]]) -> dict | None:
        if "$select" not in query:
            return entity
        names = query["$select"][0].split(",")
        return {k: v for k, v in entity.items() if k in names or k == "id" or k.startswith("@")}

    def do_POST(self):
        key, _query = self._route()
        if not self._auth_or_404(key if key is None else key or ""):
            return
        body = self._body()
        if key is not None or not isinstance(body, dict) or not self._valid(body, create=True):
            self._error(400, "bad create")
            return
        entity = {**body, "id": str(uuid.uuid4()).upper()}
        self.store[entity["id"].lower()] = entity
        self._send(201, entity)

    def do_GET(self):
        key, query = self._route()
        if not self._auth_or_404(key):
            return
        if key is not None:
            found = self.store.get(key)
            self._send(200, self._select(found, query)) if found else self._error(404, "not found")
            return
        members = list(self.store.values())
        if "$filter" in query:
            self._error(400, "filtering is not supported on this property")
            return
        if "$top" in query:
            top = query["$top"][0]
            if not top.isdigit() and not self.broken:
                self._error(400, "$top must be a non-negative integer")
                return
            members = members if self.broken else members[: int(top)]
        self._send(200, {"value": [self._select(m, query) for m in members]})

    def do_PATCH(self):
        key, _query = self._route()
        if not self._auth_or_404(key) or key is None:
            return
        body = self._body()
        if key not in self.store:
            self._error(404, "not found")
            return
        if not isinstance(body, dict) or (not self._valid(body, create=False) and not self.broken):
            self._error(422, "a property has the wrong type")
            return
        self.store[key] = {**self.store[key], **{k: v for k, v in body.items() if k != "id"}}
        self._send(200, self.store[key])

    def do_DELETE(self):
        key, _query = self._route()
        if self._auth_or_404(key) and key is not None:
            self._send(204) if self.store.pop(key, None) else self._error(404, "not found")


def gadget_url(http_server, base: type[_Gadgets] = _Gadgets, **attrs: object) -> str:
    """The URL of a gadget server with handler `base` (its class attributes `attrs`) and a store of its own,
    started with the `http_server` fixture."""
    handler = type("Handler", (base,), {"store": {}, **attrs})
    server = http_server(ThreadingHTTPServer(("127.0.0.1", 0), handler))
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def independent(http_server):
    return lambda *, broken: gadget_url(http_server, broken=broken)


def test_an_independent_legal_server_passes_and_its_broken_twin_fails(gadget, independent):
    legal = outcome(run_on(gadget, independent(broken=False)))
    assert {i for i, (s, _) in legal.items() if s is Status.FAIL} == set(), legal
    assert legal["QRY-004"][0] is Status.PASS  # a $filter refused with 400 and an error body is legal
    broken = outcome(run_on(gadget, independent(broken=True)))
    failed = {i for i, (s, _) in broken.items() if s is Status.FAIL}
    assert failed == {"UPD-002", "UPD-102", "QRY-001", "QRY-005"}, broken  # it stores any update
    assert UNKNOWN not in broken["QRY-006"][1]
