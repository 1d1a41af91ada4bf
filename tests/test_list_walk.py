"""The list walk and what the lifecycle judges of it (issue 14, blind trial 6): the harness's page bound is
not a fault but a loop is; an object twice on one page; a nextLink that leaves the base path once its dot
segments are resolved, or holds a control character, is never requested; the list after a delete; repeated
JSON names in the answers. Each rule has a legal target that must pass and a broken one that must fail.

The target here is a small resource of its own (not the reference): keyset paging by `?after=`, GUID keys,
answers written as text so a body can repeat a name."""

from __future__ import annotations

import json
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote

import pytest

from conformance.checks._links import judge_link, remove_dot_segments
from conformance.checks._resource import MAX_PAGES
from conformance.config import Config
from conformance.contract.derive import derive_page
from conformance.contract.pageset import combine
from conformance.results import Status
from conformance.runner import run

HERE = Path(__file__).resolve().parent / "cases" / "resource"
GADGET = [HERE / f"gadget-{n}.md" for n in ("create", "read", "all", "change", "remove")]
TOKEN = "list-walk-secret-token-9876543210"
COLL = "/shelves/conformance-test/gadgets"


@pytest.fixture(scope="module")
def gadget():
    return combine([derive_page(p) for p in GADGET])


class Depot(ThreadingHTTPServer):
    """`base` + COLL: POST creates (201, a GUID id), GET lists `size` per page oldest first after
    `filler` objects of its own, GET/PATCH/DELETE of `COLL/{id}` or `COLL('{id}')`.

    `link(server, after_key)` writes a page's nextLink (None: the default absolute link); `twice` lists the
    newest object twice on its page; `keeps_listed` keeps a deleted object in the list; `dup_get` answers
    a GET of an object with its color twice (the second value `dup_get`)."""

    daemon_threads = True

    def __init__(self, base: str = "", size: int = 2, filler: int = 0, **how) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.base, self.size, self.how = base, size, how
        self.items: dict[str, dict] = {f"filler-{i:04d}": {"id": f"filler-{i:04d}"} for i in range(filler)}
        self.gone: set[str] = set()
        self.seen: list[tuple[str, str, str]] = []  # (method, raw path, Authorization)
        self.url = f"http://127.0.0.1:{self.server_address[1]}{base}"
        self.origin = f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Depot

    def log_message(self, *args) -> None:
        pass

    def _text(self, status: int, text: str = "") -> None:
        data = text.encode()
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _key(self, path: str) -> str | None:
        rest = path[len(self.server.base + COLL) :]
        if rest.startswith("/"):
            return unquote(rest[1:])
        if rest.startswith("('") and rest.endswith("')"):
            return unquote(rest[2:-2]).replace("''", "'")
        return None

    def _route(self, method: str) -> None:
        s = self.server
        s.seen.append((method, self.path, self.headers.get("Authorization", "")))
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}") if length else {}
        path, _, query = self.path.partition("?")
        if not path.startswith(s.base + COLL):
            return self._text(404, '{"error": {"code": "NotFound", "message": "no such path"}}')
        key = self._key(path)
        if key is None and method == "POST":
            new = str(uuid.uuid4())
            s.items[new] = {**body, "id": new}
            return self._text(201, json.dumps(s.items[new]))
        if key is None and method == "GET":
            return self._list(parse_qs(query))
        if key not in s.items or key in s.gone:
            return self._text(404, '{"error": {"code": "NotFound", "message": "no such gadget"}}')
        if method == "GET":
            text = json.dumps(s.items[key])
            again = s.how.get("dup_get")
            if again is not None and not key.startswith("filler"):
                again = s.items[key].get("color") if again is True else again
                text = text[:-1] + f', "color": {json.dumps(again)}}}'
            return self._text(200, text)
        if method == "PATCH":
            s.items[key].update(body)
            return self._text(204)
        if method == "DELETE":
            if s.how.get("keeps_listed"):
                s.gone.add(key)
            else:
                del s.items[key]
            return self._text(204)
        return self._text(405)

    def _list(self, query: dict[str, list[str]]) -> None:
        s = self.server
        keys = [k for k in s.items if k not in s.gone or s.how.get("keeps_listed")]
        after = query.get("after", [None])[0]
        start = keys.index(after) + 1 if after in keys else 0
        top = query.get("$top", [""])[0]
        page = keys[start : start + min(s.size, int(top) if top.isdigit() else s.size)]
        members = [s.items[k] for k in page]
        if s.how.get("twice") and page and page[-1] == keys[-1]:
            members.append(members[-1])
        body: dict = {"value": members}
        if start + s.size < len(keys) and not top:
            link = s.how.get("link")
            body["@odata.nextLink"] = link(s, page[-1]) if link else f"{s.url}{COLL}?after={page[-1]}"
        text = json.dumps(body)
        if s.how.get("dup_list") and members:  # the first member names its id twice, with another value
            text = text.replace('"id": ', '"id": "ghost", "id": ', 1)
        self._text(200, text)

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PATCH(self) -> None:
        self._route("PATCH")

    def do_DELETE(self) -> None:
        self._route("DELETE")


@pytest.fixture
def depot(http_server):
    return lambda **how: http_server(Depot(**how))


def life(spec, server: Depot, *select: str):
    config = Config(seed=7, examples=2, formats=(), timeout=5.0, select=select, concurrency=1)
    result = run(spec, config, base_url=server.url, spec_file="gadget", token=TOKEN)
    got = {
        r.check.id: (r.status, r.error or (r.findings[0].message if r.findings else ""))
        for r in result.results
    }
    return got, result


# ---------------------------------------------------------------- the bound is not a fault; a loop is


def test_a_long_collection_past_the_bound_is_undecided_not_failed(gadget, depot):
    server = depot(size=1, filler=MAX_PAGES + 10)  # the new object is on page 61
    got, result = life(gadget, server, "LIFE-002")
    status, why = got["LIFE-002"]
    assert status is Status.SKIP, why
    assert f"first {MAX_PAGES} pages" in why
    assert f"{MAX_PAGES} members" in why
    assert "fewer members" in why
    assert result.exit_code == 0


def test_a_collection_just_within_the_bound_is_found(gadget, depot):
    server = depot(size=1, filler=MAX_PAGES - 1)  # the new object is on the last page read
    status, why = life(gadget, server, "LIFE-002")[0]["LIFE-002"]
    assert status is Status.PASS, why


def test_pages_repeating_members_under_new_links_are_a_loop(gadget, depot):
    # each link is new (a counter in the query), but every page lists the same two members
    server = depot(size=2, filler=3, link=lambda s, _after: f"{s.url}{COLL}?n={uuid.uuid4().hex}")
    got, result = life(gadget, server, "LIFE-002")
    status, why = got["LIFE-002"]
    assert status is Status.FAIL
    assert "page 2 lists exactly the members of page 1 again" in why
    assert "loop" in why
    assert len([m for m, _p, _a in server.seen if m == "GET"]) == 2
    assert result.exit_code == 1


# ---------------------------------------------------------------- twice on a page


def test_the_object_twice_on_one_page_fails(gadget, depot):
    server = depot(size=3, filler=1, twice=True)
    status, why = life(gadget, server, "LIFE-002")[0]["LIFE-002"]
    assert status is Status.FAIL
    assert "listed twice on page 1" in why


def test_the_object_on_two_pages_is_allowed(gadget, depot):
    # the page after the one that holds it starts one member back, as offset paging does after an insert
    def link(s: Depot, after: str) -> str:
        keys = list(s.items)
        return f"{s.url}{COLL}?after={keys[max(keys.index(after) - 1, 0)]}&x={after}"

    server = depot(size=2, filler=2, link=link)
    got, _ = life(gadget, server, "LIFE-002")
    assert got["LIFE-002"][0] is Status.PASS, got["LIFE-002"]


# ---------------------------------------------------------------- the list after a delete


def test_a_deleted_object_still_listed_fails_life_006(gadget, depot):
    server = depot(size=2, filler=3, keeps_listed=True)
    status, why = life(gadget, server, "LIFE-005", "LIFE-006")[0]["LIFE-006"]
    assert status is Status.FAIL
    assert "is still listed" in why
    assert "page 2" in why


def test_a_deleted_object_listed_past_the_bound_is_undecided_not_passed(gadget, depot):
    # blind trial 9: LIFE-006 read the first MAX_PAGES pages, did not see the object, and passed
    server = depot(size=1, filler=MAX_PAGES + 10, keeps_listed=True)  # the object stays on page 61
    got, result = life(gadget, server, "LIFE-005", "LIFE-006")
    status, why = got["LIFE-006"]
    assert status is Status.SKIP, why
    assert "GET answers 404" in why
    assert f"first {MAX_PAGES} pages" in why
    assert result.exit_code == 0


def test_a_deleted_object_listed_on_the_last_page_read_fails(gadget, depot):
    server = depot(size=1, filler=MAX_PAGES - 1, keeps_listed=True)  # the object stays on page 50
    status, why = life(gadget, server, "LIFE-005", "LIFE-006")[0]["LIFE-006"]
    assert status is Status.FAIL, why
    assert f"page {MAX_PAGES} of the list" in why


def test_a_deleted_object_gone_from_the_list_passes_life_006(gadget, depot):
    server = depot(size=2, filler=3)
    got, _ = life(gadget, server, "LIFE-005", "LIFE-006")
    assert got["LIFE-006"][0] is Status.PASS, got["LIFE-006"]
    lists = [p for m, p, _a in server.seen if m == "GET" and "(" not in p and p.count("/") == 3]
    assert lists, server.seen  # the list was read after the delete


# ---------------------------------------------------------------- nextLinks that must never be requested

REFUSED = {
    "dot_dot": "{o}/v1/shelves/../../admin?after={a}",
    "pct_dot_dot": "{o}/v1/%2e%2e/admin?after={a}",
    "mixed_case_dots": "{o}/v1/.%2E/admin?after={a}",
    "upper_pct": "{o}/v1/shelves/%2E%2E/%2E%2E/%2E%2E/admin?after={a}",
    "relative_up": "../../../admin?after={a}",
    "encoded_slash": "{o}/v1/..%2fadmin?after={a}",
    "double_encoded": "{o}/v1/%252e%252e/admin?after={a}",
    "crlf": "{o}/v1" + COLL + "?after={a}\r\nX-Injected: 1",
    "tab": "{o}/v1" + COLL + "?after=\t{a}",
    "nul": "{o}/v1" + COLL + "\x00?after={a}",
    "backslash": "{o}/v1\\..\\admin?after={a}",
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_link_leaving_the_base_path_or_holding_controls_is_never_requested(gadget, depot, name):
    form = REFUSED[name]
    server = depot(base="/v1", size=2, filler=3, link=lambda s, a: form.format(o=s.origin, a=a))
    got, result = life(gadget, server, "LIFE-002")
    status, why = got["LIFE-002"]
    assert status is Status.FAIL, why
    assert "not followed" in why
    lists = [(p, auth) for m, p, auth in server.seen if m == "GET"]
    assert [p for p, _auth in lists] == ["/v1" + COLL]  # nothing else reached the server: no token either
    assert TOKEN not in json.dumps([str(r) for r in result.results])


ALLOWED = {
    "dots_inside": ("{o}/v1/shelves/x/../conformance-test/./gadgets?after={a}", "/v1" + COLL + "?after={a}"),
    "pct_dot_inside": ("{o}/v1/shelves/%2E/conformance-test/gadgets?after={a}", "/v1" + COLL + "?after={a}"),
    "relative_dot": ("./gadgets?after={a}", "/v1" + COLL + "?after={a}"),
    "relative_up_inside": ("../conformance-test/gadgets?after={a}", "/v1" + COLL + "?after={a}"),
}


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_a_link_whose_dots_stay_inside_is_followed_as_resolved(gadget, depot, name):
    form, sent = ALLOWED[name]
    server = depot(base="/v1", size=2, filler=3, link=lambda s, a: form.format(o=s.origin, a=a))
    status, why = life(gadget, server, "LIFE-002")[0]["LIFE-002"]
    assert status is Status.PASS, why
    second = [p for m, p, _a in server.seen if m == "GET"][1]
    assert second == sent.format(a="filler-0001")  # the resolved path went out, not the link's spelling


def test_dot_segment_removal_follows_rfc_3986():
    # RFC 3986 §5.4.1 and §5.2.4's own examples
    assert remove_dot_segments("/a/b/c/./../../g") == "/a/g"
    assert remove_dot_segments("mid/content=5/../6") == "mid/6"
    assert remove_dot_segments("/../../g") == "/g"
    assert remove_dot_segments("/a/..") == "/"
    assert remove_dot_segments("/a/b/.") == "/a/b/"
    assert remove_dot_segments("/a/..b/.c") == "/a/..b/.c"
    ok = judge_link("/v1/x/%2e%2E/y?q=1", "http://h:1/v1/a", "http://h:1/v1")
    assert (ok.why, ok.path) == (None, "/y?q=1")
    assert judge_link("/v1/%2e%2e/y", "http://h:1/v1/a", "http://h:1/v1").why


# ---------------------------------------------------------------- repeated names in a get answer


def test_a_get_answer_repeating_a_name_is_a_finding_naming_both_values(gadget, depot):
    server = depot(dup_get="other-color")
    status, why = life(gadget, server, "LIFE-001")[0]["LIFE-001"]
    assert status is Status.FAIL
    assert 'duplicate name "color"' in why
    assert '"other-color"' in why
    assert "first" in why  # both values, in the order the body gave them


def test_a_get_answer_repeating_a_name_with_the_same_value_is_a_finding_too(gadget, depot):
    server = depot(dup_get=True)
    status, why = life(gadget, server, "LIFE-001")[0]["LIFE-001"]
    assert status is Status.FAIL
    assert 'duplicate name "color"' in why


def test_a_get_answer_with_unique_names_passes(gadget, depot):
    got, _ = life(gadget, depot(), "LIFE-001")
    assert got["LIFE-001"][0] is Status.PASS, got["LIFE-001"]


def test_a_list_page_repeating_a_name_fails_the_list_checks(gadget, depot):
    got, _ = life(gadget, depot(dup_list=True), "LIFE-002", "QRY-001")
    for check_id in ("LIFE-002", "QRY-001"):
        status, why = got[check_id]
        assert status is Status.FAIL, (check_id, got[check_id])
        assert 'duplicate name "id" at /value/0/id' in why
        assert '"ghost"' in why


def test_a_list_page_with_unique_names_passes_the_list_checks(gadget, depot):
    got, _ = life(gadget, depot(), "LIFE-002", "QRY-001")
    assert got["LIFE-002"][0] is Status.PASS, got["LIFE-002"]
    assert got["QRY-001"][0] is Status.PASS, got["QRY-001"]
