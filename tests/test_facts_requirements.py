"""Requirements in running text: the phrase patterns on sentences written here (not taken from any page)."""

from __future__ import annotations

import pytest

from conformance.contract.derive import derive_text
from conformance.contract.doctext import row_marker, yes_no
from conformance.contract.facts import MEDIUM
from conformance.contract.facts_requirements import Kind, sentence_requirements
from conformance.contract.spec import How

KNOWN = {
    n.casefold(): n
    for n in (
        "displayName",
        "mailNickname",
        "userPrincipalName",
        "description",
        "planId",
        "label",
        "startDateTime",
        "members",
        "id",
        "directoryScopeId",
        "appScopeId",
    )
}


def _required(sentence: str) -> list[str]:
    return [
        n for r in sentence_requirements(sentence, KNOWN, "widget") if r.kind is Kind.ALL for n in r.names
    ]


@pytest.mark.parametrize(
    ("sentence", "names"),
    [
        ("You must specify **displayName** when you create the widget.", ["displayName"]),
        ("The request body must include `planId` and `label`.", ["planId", "label"]),
        ("Callers are required to provide the **startDateTime** property.", ["startDateTime"]),
        ("The **displayName** property is required.", ["displayName"]),
        ("`mailNickname` and `displayName` are mandatory.", ["mailNickname", "displayName"]),
        ("The planId property is a required property.", ["planId"]),
        ("**label** must be specified.", ["label"]),
        ("The `members` collection cannot be empty.", ["members"]),
        ("At least **displayName** must be set.", ["displayName"]),
        ("Create a widget in a tenant, where you must specify the business display name.", ["displayName"]),
        ("You need to provide the user principal name of the owner.", ["userPrincipalName"]),
        ("The description property is mandatory.", ["description"]),
        ("Description is required.", ["description"]),
        ("Id is the only property you can set, and it is required.", ["id"]),
        ("To create a widget, you must supply a **label**.", ["label"]),
        ("When you create a widget, **planId** is required.", ["planId"]),
        ("Creating a widget requires the **planId** property.", ["planId"]),
        ("Specify the **label** of the new widget.", ["label"]),
        ("The JSON must include `label`, but not `id`.", ["label"]),
        ("The following required properties must be present: `planId`, `label`.", ["planId", "label"]),
        ("The following properties are required: **planId**, **label**.", ["planId", "label"]),
        ("> **Note:** `planId` is required.", ["planId"]),
        ("Supply **label** (required) and a colour.", ["label"]),
    ],
)
def test_requirement_sentences(sentence, names):
    assert _required(sentence) == names


@pytest.mark.parametrize(
    "sentence",
    [
        "The **displayName** property is not required.",
        "**label** isn't required.",
        "The **description** is optional.",
        "You don't need to specify **planId**.",
        "If you don't specify **label**, the service uses the display name.",
        "If you use groups, **members** is required.",
        "**label** is required when you update the widget.",
        "**planId** is required for updates.",
        "**label** is required only for B2C tenants.",
        "One of the following permissions is required to call this API.",
        "The required permissions are listed below.",
        "This API requires admin consent.",
        "The **displayName** should describe the widget.",
        "The table lists the properties that are required when you create a widget.",
        "The **owner** property is required.",  # not a property of this page: never invented
        "The widget is required to have a unique name.",
        "You can specify **label** and **planId**.",
        "For a social identity, none of the properties are required.",
        "For a local account, only **displayName** is required.",
        "Do not specify **id**; the service assigns it.",
        "**displayName** must not be set.",
        # conditional on another property's absence: alternatives (facts_alternatives), no requirement
        "**label** is required if **planId** isn't specified.",
        "If you don't specify **planId**, you must specify **label**.",
        "**label** is required unless **planId** is given.",
        "**label** must be provided when **planId** is absent.",
        # conditional on something else: no create requirement either
        "**label** is required if the type is `group`.",
        "**label** is required when you update the bookmark, not when you create one.",
    ],
)
def test_non_requirements(sentence):
    assert _required(sentence) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Either **directoryScopeId** or **appScopeId** is required.",
        "One of `directoryScopeId` or `appScopeId` must be specified.",
        "At least one of **label**, **description** must be provided.",
        "**directoryScopeId** or **appScopeId** is required.",
        "You must specify either **directoryScopeId** or **appScopeId**.",
    ],
)
def test_alternatives_are_not_each_required(sentence):
    reqs = sentence_requirements(sentence, KNOWN, "widget")
    assert [r.kind for r in reqs] == [Kind.ONE_OF]
    assert len(reqs[0].names) >= 2
    assert _required(sentence) == []


def test_confidence_follows_how_explicit_the_sentence_is():
    (named,) = sentence_requirements("You must specify **displayName**.", KNOWN)
    (words,) = sentence_requirements("You must specify the business display name.", KNOWN)
    (requires,) = sentence_requirements("This method requires `planId`.", KNOWN)
    assert named.confidence >= MEDIUM
    assert words.confidence < MEDIUM  # plain words mapped to a property: a weak reading
    assert requires.confidence < MEDIUM
    assert named.sentence == "You must specify **displayName**."


DESCRIPTION_PAGE = """# Create widgetBusiness

Create a new widgetBusiness in a tenant, where you must specify the business display name.

## HTTP request
```http
POST /widgetBusinesses
```

## Request body
In the request body, supply a JSON representation of a widgetBusiness object.

## Response
If successful, this method returns a `201 Created` response code.

## Example
<!-- { "blockType": "request", "name": "create" } -->
```http
POST https://graph.microsoft.com/beta/widgetBusinesses
Content-Type: application/json

{
  "displayName": "Fourth Coffee",
  "email": "manager@fourthcoffee.com"
}
```
"""


def test_requirement_in_the_opening_description_without_a_table():
    op = derive_text(DESCRIPTION_PAGE, "biz.md").operation
    prop = op.property("displayName")
    assert prop is not None
    assert prop.required.value is True
    assert prop.required.how is How.PROSE
    assert prop.required.where.line == 3
    assert "must specify the business display name" in prop.required.quote
    assert prop.required.confidence < MEDIUM
    assert op.property("email").required.value is False


def test_a_name_nothing_on_the_page_has_is_never_invented():
    page = DESCRIPTION_PAGE.replace("the business display name", "the **businessCode**")
    op = derive_text(page, "biz.md").operation
    assert op.property("businessCode") is None
    assert not op.required


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("The name of the widget. Required.", True),
        ("Required. The name of the widget.", True),
        ("The name of the widget. Mandatory.", True),
        ("This property is required.", True),
        ("Required: Yes.", True),
        ("The page the note is on. Not required.", False),
        ("The page the note is on. Isn't required", False),
        ("This property is not required.", False),
        ("The label. Not mandatory.", False),
        ("The label. Required: No", False),
        ("The label. Optional.", False),
        ("Optional. The label.", False),
        ("The label. Not required on create.", False),
        ("The label; isn't required when creating a widget.", False),
        ("Required. Not required for updates.", True),  # the create marker comes first
        ("The label. Required if **planId** isn't specified.", None),  # alternatives, not a marker
        ("Required when you update the widget; ignored on create.", None),
        ("The number of required approvals.", None),
        ("The page the note is on.", None),
    ],
)
def test_row_markers_read_negations(description, expected):
    assert row_marker(description, "String") is expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Yes", True),
        ("Required", True),
        ("Mandatory", True),
        ("No", False),
        ("No.", False),
        ("Optional", False),
        ("Not required", False),
        ("Isn't required", False),
        ("", None),
    ],
)
def test_required_column_cells(cell, expected):
    assert yes_no(cell) is expected
