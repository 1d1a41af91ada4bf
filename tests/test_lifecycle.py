"""Lifecycle checks (LIFE-*): what a created object becomes through get, list, update and delete, each check
citing its own page's line; skipped with the reason where the pages document no such operation; the list
walk against hostile targets (a loop, another host that must never hear from the harness, endless pages);
URLs in either key style; the lane that runs after every other check at any concurrency."""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from conformance.checks import DocRef, bind
from conformance.checks._resource import MAX_PAGES, item_path
from conformance.checks.docref import defect
from conformance.config import Config
from conformance.contract.derive import derive_page, derive_text
from conformance.contract.grouping import resource_of
from conformance.contract.keys import key_name
from conformance.contract.pageset import combine
from conformance.reference.resource import parse_key
from conformance.reference.server import ReferenceServer
from conformance.results import Status
from conformance.runner import run
from conformance.schedule import Schedule
from tests.seed_spec import SEED_SPEC

HERE = Path(__file__).resolve().parent / "cases" / "resource"
GADGET = [HERE / f"gadget-{n}.md" for n in ("create", "read", "all", "change", "remove")]
LIFE = [f"LIFE-00{i}" for i in range(1, 9)] + ["LIFE-101"]
TOKEN = "lifecycle-secret-token-0123456789"


@pytest.fixture(scope="module")
def gadget():
    return combine([derive_page(p) for p in GADGET])


def statuses(result) -> dict[str, tuple[Status, str]]:
    return {
        r.check.id: (r.status, r.error or (r.findings[0].message if r.findings else ""))
        for r in result.results
        if r.check.id.startswith("LIFE")
    }


def run_on(spec, url: str, *, select: tuple[str, ...] = (), concurrency: int = 8, token: str = TOKEN):
    config = Config(seed=7, examples=3, formats=(), timeout=5.0, select=select, concurrency=concurrency)
    return run(spec, config, base_url=url, spec_file="gadget", token=token)


# ---------------------------------------------------------------- binding: doc lines and skips


def test_each_check_cites_its_own_pages_line(gadget):
    where = {b.check.id: b.info.doc for b in bind(gadget)}
    assert where["LIFE-001"].file == "gadget-read.md"
    assert where["LIFE-002"].file == "gadget-all.md"
    assert (where["LIFE-003"].file, where["LIFE-004"].file) == ("gadget-change.md", "gadget-change.md")
    assert (where["LIFE-005"].file, where["LIFE-006"].file) == ("gadget-remove.md", "gadget-remove.md")
    assert where["LIFE-007"].file == "gadget-read.md"
    assert where["LIFE-007"].section == "HTTP request"
    top = where["LIFE-008"]
    assert top.file == "gadget-all.md"
    assert "$top" in (HERE / "gadget-all.md").read_text().splitlines()[top.line - 1]
    assert where["LIFE-101"] is None  # a standard's requirement, not the page's


def test_a_create_page_alone_only_adds_skips_with_reasons():
    bound = {b.check.id: b for b in bind(SEED_SPEC)}
    for check_id in LIFE:
        assert bound[check_id].skip_reason, check_id
        assert "the pages document no" in bound[check_id].skip_reason
    assert "no get operation for outboundSharedUserProfile" in bound["LIFE-001"].skip_reason


def test_only_the_missing_operations_checks_are_skipped(gadget):
    no_delete = combine([derive_page(p) for p in GADGET if "remove" not in p.name])
    bound = {b.check.id: b.skip_reason for b in bind(no_delete)}
    assert bound["LIFE-005"]
    assert "no delete operation" in bound["LIFE-005"]
    assert bound["LIFE-006"]
    assert "no delete operation" in bound["LIFE-006"]
    assert all(bound[i] is None for i in ("LIFE-001", "LIFE-002", "LIFE-003", "LIFE-004", "LIFE-007"))


def test_a_docref_to_an_unknown_kind_or_option_is_refused():
    assert "not an operation kind" in (defect(DocRef(kind="gett", field="success_status")) or "")
    assert "did you mean 'get'" in (defect(DocRef(kind="gett", field="success_status")) or "")
    assert "OData query option" in (defect(DocRef(kind="list", option="top")) or "")
    assert defect(DocRef(kind="list", option="$top")) is None


# ---------------------------------------------------------------- the reference and the whole lifecycle


@pytest.mark.parametrize("concurrency", [1, 8])
def test_the_reference_passes_every_lifecycle_check(gadget, concurrency):
    with ReferenceServer(gadget, token=TOKEN) as server:
        result = run_on(gadget, server.url, concurrency=concurrency)
    got = statuses(result)
    assert all(status is Status.PASS for status, _ in got.values()), got
    assert result.exit_code == 0


def test_a_resource_without_a_delete_page_runs_the_rest_and_exits_0():
    spec = combine([derive_page(p) for p in GADGET if "remove" not in p.name])
    with ReferenceServer(spec, token=TOKEN) as server:
        result = run_on(spec, server.url)
    got = statuses(result)
    assert got["LIFE-005"][0] is Status.SKIP
    assert got["LIFE-001"][0] is Status.PASS
    assert result.exit_code == 0


@pytest.mark.parametrize(
    ("page", "was", "now", "code"),
    [
        (
            "remove",
            "returns `204 No Content`. It does not return anything in the response body.",
            "returns a `200 OK` response code and the deleted gadget object in the response body.",
            200,
        ),
        (
            "change",
            "returns `204 No Content`, or `200 OK` and the updated gadget object when the\n"
            "request asks for it with `Prefer: return=representation`.",
            "returns a `202 Accepted` response code. It does not return anything in the response body.",
            202,
        ),
    ],
)
def test_the_reference_answers_the_code_its_page_documents(page, was, now, code):
    """Blind trial 10: a delete page documenting 200, an update page documenting 202; the reference (the
    embedded target for any derived resource) answers what the page says, and its own run exits 0."""
    text = (HERE / f"gadget-{page}.md").read_text()
    assert was in text
    pages = [
        derive_page(p) if p.stem != f"gadget-{page}" else derive_text(text.replace(was, now), p.name)
        for p in GADGET
    ]
    spec = combine(pages)
    op = next(o for o in spec.others if o.kind_name == ("delete" if page == "remove" else "update"))
    assert op.success_status.value == code
    with ReferenceServer(spec, token=TOKEN) as server:
        result = run_on(spec, server.url)
    got = statuses(result)
    assert all(status is Status.PASS for status, _ in got.values()), got
    assert result.exit_code == 0, [(r.check.id, r.status) for r in result.results if r.status is Status.FAIL]


# ---------------------------------------------------------------- URLs in either key style


def test_item_paths_follow_the_pages_key_style(gadget):
    res = resource_of(gadget)
    get, update = res.of_kind("get")[0], res.of_kind("update")[0]
    assert item_path(get, "/shelves/7/gadgets", "a'b") == "/shelves/7/gadgets('a''b')"
    assert item_path(update, "/shelves/7/gadgets", "a'b c") == "/shelves/7/gadgets/a%27b%20c"
    assert parse_key("'a''b'", True) == "a'b"
    assert parse_key("id='k'", True) == "k"
    assert parse_key("a%27b%20c", False) == "a'b c"
    assert key_name(res) == "id"


# ---------------------------------------------------------------- a hostile list


class ListTarget(ThreadingHTTPServer):
    """Creates answer 201 with a fresh GUID; a GET of the collection answers pages as `pages` says.

    `pages` maps a page number (1 = the bare collection) to (members, nextLink or None); the created
    object is put on page `on_page` (0: nowhere)."""

    daemon_threads = True

    def __init__(self, pages, on_page: int) -> None:
        super().__init__(("127.0.0.1", 0), _ListHandler)
        self.pages, self.on_page = pages, on_page
        self.created: list[str] = []
        self.requests: list[tuple[str, str, str]] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


class _ListHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def _send(self, status: int, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        server: ListTarget = self.server  # type: ignore[assignment]
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        new = str(uuid.uuid4())
        server.created.append(new)
        self._send(201, {**body, "id": new})

    def do_GET(self) -> None:
        server: ListTarget = self.server  # type: ignore[assignment]
        server.requests.append(("GET", self.path, self.headers.get("Authorization", "")))
        page = int(parse_qs(urlsplit(self.path).query).get("page", ["1"])[0])
        members, link = server.pages(page, server)
        if page == server.on_page and server.created:
            members = [*members, {"id": server.created[-1], "color": "x"}]
        body = {"value": members}
        if link is not None:
            body["@odata.nextLink"] = link
        self._send(200, body)


@pytest.fixture
def serve_list(http_server):
    return lambda pages, on_page: http_server(ListTarget(pages, on_page))


def _life_002(gadget, target: ListTarget):
    result = run_on(gadget, target.url, select=("LIFE-002",), concurrency=1)
    return statuses(result)["LIFE-002"], result


def test_the_object_on_a_later_page_behind_relative_links_is_found(gadget, serve_list):
    # page 1 and 2 hold someone else's objects; links are relative references (RFC 3986 §5.2)
    target = serve_list(lambda n, s: ([{"id": f"other-{n}"}], f"?page={n + 1}" if n < 3 else None), on_page=3)
    (status, why), _ = _life_002(gadget, target)
    assert status is Status.PASS, why
    assert [q for _m, q, _a in target.requests] == [
        "/shelves/conformance-test/gadgets",
        "/shelves/conformance-test/gadgets?page=2",
        "/shelves/conformance-test/gadgets?page=3",
    ]


def test_a_list_that_never_holds_the_object_fails(gadget, serve_list):
    target = serve_list(
        lambda n, s: ([], f"{s.url}/shelves/conformance-test/gadgets?page=2" if n == 1 else None), 0
    )
    (status, why), _ = _life_002(gadget, target)
    assert status is Status.FAIL
    assert "is not in the list (all 2 of its pages read)" in why


def test_a_link_loop_is_a_finding_and_is_not_followed_again(gadget, serve_list):
    target = serve_list(lambda n, s: ([], f"{s.url}/shelves/conformance-test/gadgets?page=2"), on_page=0)
    (status, why), _ = _life_002(gadget, target)
    assert status is Status.FAIL
    assert "of page 2 repeats the link of page 2" in why
    assert len(target.requests) == 2


def test_endless_pages_stop_at_the_bound_undecided(gadget, serve_list):
    # distinct pages that never end: the bound is no evidence of a fault (tests/test_list_walk.py)
    target = serve_list(
        lambda n, s: ([], f"{s.url}/shelves/conformance-test/gadgets?page={n + 1}"), on_page=0
    )
    (status, why), _ = _life_002(gadget, target)
    assert status is Status.SKIP
    assert f"at most {MAX_PAGES} pages" in why
    assert len(target.requests) == MAX_PAGES


@pytest.mark.parametrize("link", [42, "", ["?page=2"]])
def test_a_link_that_is_no_url_is_a_finding(gadget, serve_list, link):
    target = serve_list(lambda n, s: ([], link), on_page=0)
    (status, why), _ = _life_002(gadget, target)
    assert status is Status.FAIL
    assert "not a URL" in why


def test_a_link_to_another_host_is_a_finding_and_the_token_never_goes_there(gadget, serve_list):
    elsewhere = serve_list(lambda n, s: ([], None), on_page=0)  # records every request it gets
    target = serve_list(lambda n, s: ([], f"{elsewhere.url}/shelves/conformance-test/gadgets?page=2"), 0)
    (status, why), result = _life_002(gadget, target)
    assert status is Status.FAIL
    assert "points off the target's origin" in why
    assert "not followed" in why
    assert elsewhere.requests == []  # nothing was sent there, so no token either
    assert TOKEN not in json.dumps([str(r) for r in result.results])


def test_a_link_outside_the_base_path_is_not_followed(gadget, serve_list):
    target = serve_list(lambda n, s: ([], f"{s.url}/elsewhere/gadgets?page=2"), on_page=0)
    result = run_on(gadget, target.url + "/v1", select=("LIFE-002",), concurrency=1)
    status, why = statuses(result)["LIFE-002"]
    assert status is Status.FAIL
    assert "outside the target's base path" in why
    assert [q for _m, q, _a in target.requests] == ["/v1/shelves/conformance-test/gadgets"]


# ---------------------------------------------------------------- the last lane


@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_last_lane_runs_after_every_other_check(concurrency):
    order: list[int] = []
    lock = threading.Lock()

    def work(i: int) -> int:
        with lock:
            order.append(i)
        return i * 10

    keys = ["a", "life", None, "life", "a", None]
    schedule = Schedule(keys, concurrency, work, lambda: -1, last={"life"})
    try:
        assert [schedule.take(i) for i in range(len(keys))] == [0, 10, 20, 30, 40, 50]
    finally:
        schedule.close()
    assert set(order[:4]) == {0, 2, 4, 5}
    assert order[4:] == [1, 3]


# ---------------------------------------------------------------- the reference's own answers


def test_the_reference_pages_honours_top_and_answers_the_rest_of_the_resource(gadget):
    import requests

    auth = {"Authorization": f"Bearer {TOKEN}"}
    with ReferenceServer(gadget, token=TOKEN, faults=["page-size-1"]) as server:
        coll = f"{server.url}/shelves/7/gadgets"
        ids = [requests.post(coll, json={"color": f"c{i}"}, headers=auth).json()["id"] for i in range(3)]
        first = requests.get(coll, headers=auth).json()
        assert [m["id"] for m in first["value"]] == [ids[2]]  # newest first, one per page
        seen, link = [ids[2]], first["@odata.nextLink"]
        while link:
            page = requests.get(link, headers=auth).json()
            seen += [m["id"] for m in page["value"]]
            link = page.get("@odata.nextLink")
        assert seen == ids[::-1]
        top = requests.get(f"{coll}?$top=2", headers=auth).json()
        assert len(top["value"]) == 1
        assert requests.get(top["@odata.nextLink"], headers=auth).json().get("@odata.nextLink") is None
        assert requests.get(f"{coll}?$top=x", headers=auth).status_code == 400
        item = f"{coll}/{ids[0]}"
        assert requests.patch(item, json={"size": "big"}, headers=auth).status_code == 400
        assert requests.patch(item, json={"size": 9}, headers=auth).status_code == 204
        assert requests.get(f"{coll}('{ids[0]}')", headers=auth).json()["size"] == 9
        assert requests.put(item, json={}, headers=auth).headers["Allow"] == "GET, PATCH, DELETE"
        assert requests.delete(item, headers=auth).status_code == 204
        gone = requests.delete(item, headers=auth)
        assert gone.status_code == 404
        assert gone.json()["error"]["code"] == "Request_ResourceNotFound"
        assert requests.patch(item, json={"size": 1}, headers=auth).status_code == 404
