"""Values a String's description lists ("Possible values are: `red`, `green`.") are recorded on the contract
(`Property.values`), never made an enum, and a server that refuses a value outside them with a 4xx and an
OData error is not failed for it when the twin body with a listed value is taken (blind trial 7, finding 1).
The servers are the independent gadget server of tests/test_updates_queries.py, on 127.0.0.1."""

from __future__ import annotations

import pytest

from conformance.checks._queries import filter_property
from conformance.checks.judgement import undocumented_values, with_documented_values
from conformance.contract.derive import derive_page, derive_text
from conformance.contract.doctext import documented_values
from conformance.contract.pageset import combine
from conformance.results import Status
from tests.test_updates_queries import GADGET, HERE, _Gadgets, gadget_url, outcome, run_on

COLORS = ("teal", "red", "unknownFutureValue")


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("The color. Possible values are: `red`, `green`, `blue`.", ("red", "green", "blue")),
        ("How. The possible values are: `sis`, `manual`, `enum_x`.", ("sis", "manual", "enum_x")),
        ("Possible values are: **Private**, **Public**, or empty (as **Public**).", ("Private", "Public")),
        ("Possible values are `On` or `Paused`. <br><br>Supports `$filter` (`eq`).", ("On", "Paused")),
        ("Possible values are: none, low, unknownFutureValue.", ("none", "low", "unknownFutureValue")),
        ("Possible values are: `null` (default value), `A`, and `B` (see x).", ("A", "B")),
        ("Possible values are described in the table below.", ()),
        ("The name of the gadget.", ()),
    ],
)  # fmt: skip
def test_the_listed_values_of_each_phrasing(text: str, values: tuple[str, ...]) -> None:
    assert documented_values(text) == values


@pytest.fixture(scope="module")
def colored():
    """The gadget resource whose update page lists the possible colors."""
    change = (HERE / "gadget-change.md").read_text()
    listed = "The color. Possible values are: " + ", ".join(f"`{c}`" for c in COLORS) + "."
    change = change.replace("| color | String | The color. |", f"| color | String | {listed} |")
    assert listed in change
    pages = [derive_page(p) for p in GADGET]
    return combine([*pages[:3], derive_text(change, "gadget-change.md"), pages[4]])


def test_the_values_are_recorded_and_are_no_enum(colored) -> None:
    update = next(op for op in colored.others if op.method.value.upper() == "PATCH")
    color = update.property("color")
    assert color is not None
    assert color.values == COLORS
    assert "enum" not in color.schema
    assert list(undocumented_values(update.properties, {"color": "Teal", "size": 3})) == [("/color", "Teal")]
    assert with_documented_values(update.properties, {"color": "x", "size": 3}) == {
        "color": "teal",
        "size": 3,
    }
    assert list(undocumented_values(update.properties, {"color": "unknownFutureValue"})) == []


class _Refusing(_Gadgets):
    """Refuses a color outside `allowed` in the bodies of `methods` (400 and an OData error), as a server
    may refuse a value its page does not list; `broken`: every color."""

    allowed: tuple[str, ...] = COLORS
    methods: frozenset[str] = frozenset({"PATCH"})

    def _refused(self, method: str) -> bool:
        if method not in self.methods:
            return False
        body = self._body()
        color = body.get("color") if isinstance(body, dict) else None
        if isinstance(color, str) and (self.broken or color not in self.allowed):
            self._error(400, "color is not one of the possible values")
            return True
        return False

    def do_POST(self):
        if not self._refused("POST"):
            super().do_POST()

    def do_PATCH(self):
        if not self._refused("PATCH"):
            super().do_PATCH()


@pytest.fixture
def strict(http_server):
    """A gadget server refusing, on update, a color its page does not list."""
    return lambda *, broken: gadget_url(http_server, _Refusing, broken=broken)


# seeds whose drawn update bodies send a color that is neither listed nor degenerate (a degenerate one is
# excused on its own, judgement.excused_rejection)
@pytest.mark.parametrize("seed", [7, 99, 1])
def test_a_server_refusing_unlisted_values_passes_and_one_refusing_listed_ones_fails(colored, strict, seed):
    legal = outcome(run_on(colored, strict(broken=False), seed=seed))
    assert legal["UPD-001"][0] is Status.PASS, legal["UPD-001"]
    broken = outcome(run_on(colored, strict(broken=True), seed=seed))
    assert broken["UPD-001"][0] is Status.FAIL, broken["UPD-001"]
    assert "400" in broken["UPD-001"][1]


@pytest.fixture(scope="module")
def colored_create():
    """The gadget resource whose create page lists the possible colors (GEN-001 judges creates)."""
    create = (HERE / "gadget-create.md").read_text()
    listed = "The color. Possible values are: " + ", ".join(f"`{c}`" for c in COLORS) + ". Required."
    create = create.replace("| color | String | The color. Required. |", f"| color | String | {listed} |")
    assert listed in create
    pages = [derive_page(p) for p in GADGET]
    return combine([derive_text(create, "gadget-create.md"), *pages[1:]])


ON_CREATE: dict[str, object] = {"methods": frozenset({"POST"})}  # refusing unlisted colors on create


@pytest.mark.parametrize("seed", [7, 99])
def test_a_create_refusing_unlisted_values_passes_and_one_refusing_listed_ones_fails(
    colored_create, http_server, seed
):
    urls = {
        broken: gadget_url(http_server, _Refusing, broken=broken, **ON_CREATE) for broken in (False, True)
    }
    legal = _gen001(run_on(colored_create, urls[False], seed=seed, examples=10))
    assert legal.status is Status.PASS, legal
    assert any("does not list" in note for note in legal.notes), legal.notes  # refused, and excused
    broken = _gen001(run_on(colored_create, urls[True], seed=seed, examples=10))
    assert broken.status is Status.FAIL, broken
    assert "twin" in broken.findings[0].message, broken.findings[0].message


def _gen001(result):
    return next(r for r in result.results if r.check.id == "GEN-001")


def test_the_lifecycle_creates_and_updates_with_listed_values(colored_create, http_server) -> None:
    """A server refusing unlisted colors on create is legal: the lifecycle's own creates and updates must
    send listed values, or every LIFE check is skipped and a broken delete goes unseen (blind trial 9)."""
    result = run_on(colored_create, gadget_url(http_server, _Refusing, **ON_CREATE), seed=7)
    life = {r.check.id: r for r in result.results if r.check.id.startswith("LIFE-")}
    assert life["LIFE-001"].status is Status.PASS, life["LIFE-001"]
    assert life["LIFE-006"].status is Status.PASS, life["LIFE-006"]


def test_a_property_with_one_listed_value_is_not_what_the_lifecycle_changes(http_server) -> None:
    """With one listed value there is no other listed one to change to: the lifecycle's update changes
    another property (size), and the filter checks do not make up values for it. Before, LIFE-003 sent a
    made-up color and failed a legal server for refusing it."""
    listed = "The color. Possible values are: `teal`."
    create = (HERE / "gadget-create.md").read_text()
    create = create.replace(
        "| color | String | The color. Required. |", f"| color | String | {listed} Required. |"
    )
    change = (HERE / "gadget-change.md").read_text()
    change = change.replace("| color | String | The color. |", f"| color | String | {listed} |")
    assert listed in create
    assert listed in change
    pages = [derive_page(p) for p in GADGET]
    spec = combine(
        [
            derive_text(create, "gadget-create.md"),
            *pages[1:3],
            derive_text(change, "gadget-change.md"),
            pages[4],
        ]
    )
    # lists, and takes, one color only (`teal`) on create and on update
    one = {"allowed": ("teal",), "methods": frozenset({"POST", "PATCH"})}
    result = run_on(spec, gadget_url(http_server, _Refusing, **one), seed=7)
    got = {r.check.id: r for r in result.results}
    for cid in ("LIFE-001", "LIFE-003", "LIFE-004", "LIFE-006"):
        assert got[cid].status is Status.PASS, got[cid]
    assert not [
        r for r in result.results if r.check.id.startswith(("LIFE-", "QRY-")) and r.status is Status.FAIL
    ]


def test_filter_is_never_tried_on_a_property_with_listed_values(colored, colored_create) -> None:
    """`$filter` needs made-up values (the object's own and a decoy's): never on a property whose
    description, on any page of the resource, lists its values."""
    plain = combine([derive_page(p) for p in GADGET])
    assert filter_property(plain) == "color"
    assert filter_property(colored_create) is None  # listed on the create page
    assert filter_property(colored) is None  # listed on the update page only


def test_filter_is_tried_first_on_the_property_the_list_page_names() -> None:
    """Blind trial 11: the list page said "`$filter` works with `eq` on **label**", and QRY-004 filtered on
    another property, which the server refused (legal), so no working filter was ever tried."""
    create = (HERE / "gadget-create.md").read_text()
    row = "| color | String | The color. Required. |"
    create = create.replace(row, row + "\n| label | String | A label. Optional. |")
    listing = (HERE / "gadget-all.md").read_text()
    said = "Supports `$top`, `$filter` and `$select`."
    assert said in listing
    pages = [derive_page(p) for p in GADGET]
    plain = combine([derive_text(create, "gadget-create.md"), *pages[1:]])
    assert filter_property(plain) == "color"  # nothing named: the create page's order
    for sentence in ("`$filter` works with `eq` on **label**.", "Use $filter on label (eq only)."):
        named = listing.replace(said, f"{said} {sentence}")
        spec = combine(
            [
                derive_text(create, "gadget-create.md"),
                pages[1],
                derive_text(named, "gadget-all.md"),
                *pages[3:],
            ]
        )
        listed = next(op for op in spec.others if op.kind_name == "list")
        quote = next(o.quote for o in listed.query_options if o.value == "$filter")
        assert "label" in quote, quote
        assert filter_property(spec) == "label", sentence
