"""A hand-written Spec of the seed page, as a careful reader sees it.

Used as the expected value of derivation tests and as a stand-in where a test must not
depend on derivation.
"""

from __future__ import annotations

from conformance.contract.spec import DocLocation, Example, Fact, Header, How, Operation, Property, Spec

F = "create-outboundshareduserprofile.md"


def loc(line: int, section: str, anchor: str = "") -> DocLocation:
    return DocLocation(file=F, line=line, section=section, anchor=anchor)


REQUEST_BODY = {
    "@odata.type": "#Microsoft.DirectoryServices.outboundSharedUserProfile",
    "deletedDateTime": "String (timestamp)",
    "userId": "String",
}
RESPONSE_BODY = {
    "@odata.type": "#Microsoft.DirectoryServices.outboundSharedUserProfile",
    "id": "83876b0d-6b0d-8387-0d6b-87830d6b8783",
    "deletedDateTime": "String (timestamp)",
    "userId": "String",
}

SEED_OPERATION = Operation(
    title="Create outboundSharedUserProfile",
    method=Fact(value="POST", where=loc(33, "HTTP request"), how=How.SECTION),
    paths=(
        Fact(value="/directory/outboundSharedUserProfiles", where=loc(33, "HTTP request"), how=How.SECTION),
    ),
    headers=(
        Header(
            name="Authorization",
            required=True,
            value="Bearer {token}",
            where=loc(39, "Request headers", "Authorization"),
        ),
        Header(
            name="Content-Type",
            required=True,
            value="application/json",
            where=loc(40, "Request headers", "Content-Type"),
        ),
    ),
    properties=(
        Property(
            name="deletedDateTime",
            doc_type="DateTimeOffset",
            schema={"type": "string", "format": "date-time"},
            nullable=True,
            required=Fact(value=False, where=loc(49, "Request body", "deletedDateTime"), how=How.MARKER),
            where=loc(49, "Request body", "deletedDateTime"),
        ),
        Property(
            name="userId",
            doc_type="String",
            schema={"type": "string"},
            nullable=False,
            required=Fact(value=True, where=loc(50, "Request body", "userId"), how=How.MARKER),
            where=loc(50, "Request body", "userId"),
        ),
    ),
    success_status=Fact(value=201, where=loc(56, "Response"), how=How.SECTION),
    odata_type=Fact(
        value="#Microsoft.DirectoryServices.outboundSharedUserProfile",
        where=loc(92, "Response"),
        how=How.EXAMPLE,
    ),
    id_format=Fact(value="guid", where=loc(93, "Response"), how=How.EXAMPLE),
    examples=(
        Example(
            name="create_outboundshareduserprofile_from_",
            request_body=REQUEST_BODY,
            request_headers=(("Content-Type", "application/json"), ("Content-length", "146")),
            request_where=loc(66, "Request"),
            response_status=201,
            response_headers=(("Content-Type", "application/json"),),
            response_body=RESPONSE_BODY,
            response_where=loc(87, "Response"),
            response_odata_annotation="Microsoft.DirectoryServices.outboundSharedUserProfile",
        ),
    ),
    resource="outboundSharedUserProfile",
)

SEED_SPEC = Spec(
    doc_file=F,
    doc_sha256="",
    title="Create outboundSharedUserProfile",
    version="beta",
    operation=SEED_OPERATION,
)
