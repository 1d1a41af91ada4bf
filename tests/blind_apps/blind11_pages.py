"""Writes my own Graph-style pages for a 'gizmo' resource (my own words)."""
import os, sys
HDR = """---
title: "{title}"
description: "{title}."
author: "blind11"
ms.localizationpriority: medium
doc_type: apiPageType
---

# {title}
Namespace: microsoft.graph

{intro}

## Permissions
|Permission type|Permissions (from least to most privileged)|
|:---|:---|
|Delegated (work or school account)|Gizmo.ReadWrite.All|
|Application|Gizmo.ReadWrite.All|

## HTTP request

<!-- {{ "blockType": "ignored" }} -->
``` http
{method} {path}
```
{query}
## Request headers
|Name|Description|
|:---|:---|
|Authorization|Bearer {{token}}. Required.|
{ct}
## Request body
{body}

## Response

{response}

## Examples

### Request
<!-- {{ "blockType": "request", "name": "{name}" }} -->
``` http
{exreq}
```

### Response
>**Note:** The response object shown here might be shortened for readability.
<!-- {{ "blockType": "response", "truncated": true, "@odata.type": "microsoft.graph.gizmo" }} -->
``` http
{exresp}
```
"""
PROPS_CREATE = """|Property|Type|Description|
|:---|:---|:---|
|tagName|String|The gizmo's tag, chosen by the caller; unique among gizmos, and the key used to address it. Required.|
|color|String|Paint of the gizmo. Possible values are: `red`, `green`, `blue`. Optional.|
|finish|String|Surface treatment. Possible values are: `matte`. Optional.|
|label|String|Free text shown next to the gizmo. Optional.|
|weight|Int32|Weight in grams. Optional.|
"""
ENT = """{
  "@odata.type": "#microsoft.graph.gizmo",
  "id": "6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b",
  "tagName": "alpha",
  "color": "red",
  "finish": "matte",
  "label": "first one",
  "weight": 120,
  "createdDateTime": "2026-01-02T03:04:05Z"
}"""
def w(d, fn, **kw):
    kw.setdefault("query", ""); kw.setdefault("ct", "|Content-Type|application/json. Required.|")
    open(os.path.join(d, fn), "w").write(HDR.format(**kw))

def make(d, list_top=True, delete200=False, update_both=True):
    os.makedirs(d, exist_ok=True)
    w(d, "create.md", title="Create gizmo", intro="Add a new [gizmo](../resources/gizmo.md) to the collection. The **id** and **createdDateTime** are set by the service and are read-only.",
      method="POST", path="/gizmos", body="Supply a JSON representation of a [gizmo](../resources/gizmo.md).\n\n"+PROPS_CREATE,
      response="If successful, this method returns a `201 Created` response code and a [gizmo](../resources/gizmo.md) object in the response body.",
      name="create_gizmo", exreq='POST https://graph.microsoft.com/v1.0/gizmos\nContent-Type: application/json\n\n{\n  "tagName": "alpha",\n  "color": "red",\n  "finish": "matte",\n  "label": "first one",\n  "weight": 120\n}',
      exresp="HTTP/1.1 201 Created\nContent-Type: application/json\n\n"+ENT)
    w(d, "get.md", title="Get gizmo", intro="Read the properties of one [gizmo](../resources/gizmo.md), addressed by its tag.",
      method="GET", path="/gizmos/{tagName}", ct="", body="Do not supply a request body for this method.",
      query="\n## Optional query parameters\nThis method supports the `$select` OData query parameter to choose the properties returned.\n",
      response="If successful, this method returns a `200 OK` response code and a [gizmo](../resources/gizmo.md) object in the response body.",
      name="get_gizmo", exreq="GET https://graph.microsoft.com/v1.0/gizmos/alpha", exresp="HTTP/1.1 200 OK\nContent-Type: application/json\n\n"+ENT)
    opts = ("`$top`, `$select` and `$filter`" if list_top else "`$select` and `$filter`")
    w(d, "list.md", title="List gizmos", intro="Get the list of [gizmo](../resources/gizmo.md) objects.",
      method="GET", path="/gizmos", ct="", body="Do not supply a request body for this method.",
      query=f"\n## Optional query parameters\nThis method supports the {opts} OData query parameters to shape the response. `$filter` works with `eq` on **label**.\n",
      response="If successful, this method returns a `200 OK` response code and a collection of [gizmo](../resources/gizmo.md) objects in the response body. The collection may come in pages: when more results remain, the response carries an `@odata.nextLink` URL; follow it to get the next page.",
      name="list_gizmos", exreq="GET https://graph.microsoft.com/v1.0/gizmos",
      exresp='HTTP/1.1 200 OK\nContent-Type: application/json\n\n{\n  "value": [\n'+"\n".join("    "+l for l in ENT.splitlines())+'\n  ]\n}')
    upd_resp = ("If successful, this method returns a `204 No Content` response code, or a `200 OK` response code and the updated [gizmo](../resources/gizmo.md) object in the response body." if update_both
                else "If successful, this method returns a `204 No Content` response code. It does not return anything in the response body.")
    for sub, extra in (("roundGizmo", "|label|String|Free text shown next to the gizmo.|\n|weight|Int32|Weight in grams.|\n"),
                       ("squareGizmo", "|color|String|Paint of the gizmo. Possible values are: `red`, `green`, `blue`.|\n|finish|String|Surface treatment. Possible values are: `matte`.|\n|label|String|Free text shown next to the gizmo.|\n")):
        w(d, f"update-{sub}.md", title=f"Update {sub}", intro=f"Change the properties of a [{sub}](../resources/{sub.lower()}.md).",
          method="PATCH", path="/gizmos/{tagName}", body="Supply only the properties to change; properties not sent keep their values.\n\n|Property|Type|Description|\n|:---|:---|:---|\n"+extra,
          response=upd_resp, name=f"update_{sub}",
          exreq='PATCH https://graph.microsoft.com/v1.0/gizmos/alpha\nContent-Type: application/json\n\n{\n  "@odata.type": "#microsoft.graph.'+sub+'",\n  "label": "changed"\n}',
          exresp="HTTP/1.1 204 No Content")
    w(d, "delete.md", title="Delete gizmo", intro="Remove a [gizmo](../resources/gizmo.md).",
      method="DELETE", path="/gizmos/{tagName}", ct="", body="Do not supply a request body for this method.",
      response=("If successful, this method returns a `200 OK` response code and the deleted [gizmo](../resources/gizmo.md) object in the response body." if delete200
                else "If successful, this method returns a `204 No Content` response code. It does not return anything in the response body."),
      name="delete_gizmo", exreq="DELETE https://graph.microsoft.com/v1.0/gizmos/alpha",
      exresp=("HTTP/1.1 200 OK\nContent-Type: application/json\n\n"+ENT) if delete200 else "HTTP/1.1 204 No Content")

if __name__ == "__main__":
    b = sys.argv[1]
    make(os.path.join(b, "main"))
    make(os.path.join(b, "del200"), delete200=True)
    make(os.path.join(b, "notop"), list_top=False)
