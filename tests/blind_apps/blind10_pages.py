"""Writes synthetic Graph-style pages (own wording) for the blind trial."""
import json, os, sys

def page(title, method, paths, response, *, body=None, bodyintro=None, query=None,
         req=None, resp_status="200 OK", resp_body=None, resource="gizmo"):
    out = ["---", f'title: "{title}"', f'description: "{title}."', 'author: "blind10"',
           "ms.localizationpriority: medium", "doc_type: apiPageType", "---", "",
           f"# {title}", "Namespace: microsoft.graph", "",
           f"{title} for a [{resource}](../resources/{resource.lower()}.md).", "",
           "## Permissions", "A caller holds one of these permissions.", "",
           "|Permission type|Permissions (from least to most privileged)|", "|:---|:---|",
           "|Delegated (work or school account)|Gizmo.ReadWrite.All|",
           "|Delegated (personal Microsoft account)|Not supported.|",
           "|Application|Gizmo.ReadWrite.All|", "",
           "## HTTP request", "", "<!-- {", '  "blockType": "ignored"', "}", "-->", "``` http"]
    out += [f"{method} {p}" for p in paths]
    out += ["```", ""]
    if query is not None:
        out += ["## Optional query parameters", query, ""]
    out += ["## Request headers", "|Name|Description|", "|:---|:---|",
            "|Authorization|Bearer {token}. Required.|"]
    if body:
        out += ["|Content-Type|application/json. Required.|"]
    out += ["", "## Request body"]
    if body:
        out += [bodyintro or f"Give a JSON representation of the [{resource}](../resources/{resource.lower()}.md) object.", "",
                "|Property|Type|Description|", "|:---|:---|:---|"]
        out += [f"|{n}|{t}|{d}|" for n, t, d in body]
    else:
        out += ["This method takes no request body."]
    out += ["", "## Response", "", response, "", "## Examples", "", "### Request",
            "<!-- {", '  "blockType": "request",', f'  "name": "{title.lower().replace(" ", "_")}"', "}", "-->", "``` http"]
    m, p, b = req
    out += [f"{m} https://graph.microsoft.com/beta{p}"]
    if b is not None:
        out += ["Content-Type: application/json", "", json.dumps(b, indent=2)]
    out += ["```", "", "### Response",
            "<!-- {", '  "blockType": "response",', '  "truncated": true,', f'  "@odata.type": "microsoft.graph.{resource}"', "}", "-->",
            "``` http", f"HTTP/1.1 {resp_status}"]
    if resp_body is not None:
        out += ["Content-Type: application/json", "", json.dumps(resp_body, indent=2)]
    out += ["```", ""]
    return "\n".join(out)

GID = "5d1c2a7e-3b4f-4c8d-9e0a-1f2b3c4d5e6f"
GIZMO_FULL = {"@odata.type": "#microsoft.graph.gizmo", "id": GID, "displayName": "Front panel",
              "color": "red", "tier": "standard", "weight": 12, "createdDateTime": "2024-03-01T10:00:00Z"}
GIZMO_PROPS = [
    ("displayName", "String", "The name shown for the gizmo. Required."),
    ("color", "String", "The colour of the gizmo. Possible values are: `red`, `green`, `blue`. Optional."),
    ("tier", "String", "The service tier. Possible values are: `standard`. Optional."),
    ("weight", "Int32", "Weight in grams. Optional."),
]

def gizmo_pages(d, update_prose=None, update_method="PATCH"):
    os.makedirs(d, exist_ok=True)
    W = lambda name, text: open(os.path.join(d, name), "w").write(text)
    # misleading file names on purpose
    W("get-gizmo.md", page("Create gizmo", "POST", ["/gizmos"],
      "If successful, this method returns a `201 Created` response code and a [gizmo](../resources/gizmo.md) object in the response body.",
      body=GIZMO_PROPS, req=("POST", "/gizmos", {"displayName": "Front panel", "color": "red", "weight": 12}),
      resp_status="201 Created", resp_body=GIZMO_FULL))
    W("create-gizmo.md", page("Get gizmo", "GET", ["/gizmos/{id}"],
      "If successful, this method returns a `200 OK` response code and a [gizmo](../resources/gizmo.md) object in the response body.",
      query="This method supports the `$select` OData query parameter to shape the response.",
      req=("GET", f"/gizmos/{GID}", None), resp_body=GIZMO_FULL))
    W("delete-gizmo.md", page("List gizmos", "GET", ["/gizmos"],
      "If successful, this method returns a `200 OK` response code and a collection of [gizmo](../resources/gizmo.md) objects in the response body. "
      "When there are more gizmos than fit in one answer, the response holds an `@odata.nextLink` to the next page.",
      query="This method supports the `$select`, `$top` and `$filter` OData query parameters to shape the response.",
      req=("GET", "/gizmos", None), resp_body={"value": [GIZMO_FULL]}))
    W("list-gizmos.md", page("Update gizmo", update_method, ["/gizmos/{id}"],
      update_prose or "If successful, this method returns a `204 No Content` response code, or a `200 OK` response code and the updated [gizmo](../resources/gizmo.md) object in the response body.",
      body=[(n, t, d.replace(" Required.", "").replace(" Optional.", "")) for n, t, d in GIZMO_PROPS],
      bodyintro="Supply only the values of the properties to change.",
      req=(update_method, f"/gizmos/{GID}", {"color": "blue"}), resp_status="204 No Content"))
    W("update-gizmo.md", page("Delete gizmo", "DELETE", ["/gizmos/{id}"],
      "If successful, this method returns a `204 No Content` response code. Nothing is returned in the response body.",
      req=("DELETE", f"/gizmos/{GID}", None), resp_status="204 No Content"))

WID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
WIDGET = {"@odata.type": "#microsoft.graph.widget", "id": WID, "label": "Spare", "count": 3}
WPROPS = [("label", "String", "Label of the widget. Required."), ("count", "Int32", "How many are in stock. Optional.")]

def widget_pages(d, get_seg="('{widget-id}')", upd_seg="(id='{wid}')", upd_method="PUT",
                 upd_prose="If successful, this method returns a `204 No Content` response code."):
    os.makedirs(d, exist_ok=True)
    W = lambda name, text: open(os.path.join(d, name), "w").write(text)
    W("a.md", page("Create widget", "POST", ["/shelves/{shelf-id}/widgets"],
      "If successful, this method returns a `201 Created` response code and a [widget](../resources/widget.md) object in the response body.",
      body=WPROPS, req=("POST", "/shelves/s1/widgets", {"label": "Spare", "count": 3}), resp_status="201 Created",
      resp_body=WIDGET, resource="widget"))
    W("b.md", page("Get widget", "GET", ["/shelves/{shelf-id}/widgets" + get_seg],
      "If successful, this method returns a `200 OK` response code and a [widget](../resources/widget.md) object in the response body.",
      req=("GET", f"/shelves/s1/widgets/{WID}", None), resp_body=WIDGET, resource="widget"))
    W("c.md", page("Replace widget", upd_method, ["/shelves/{pid}/widgets" + upd_seg], upd_prose,
      body=WPROPS, req=(upd_method, f"/shelves/s1/widgets/{WID}", {"label": "Other", "count": 1}),
      resp_status="204 No Content", resource="widget"))
    W("d.md", page("Delete widget", "DELETE", ["/shelves/{parent}/widgets/{widgetId}"],
      "If successful, this method returns a `204 No Content` response code.",
      req=("DELETE", f"/shelves/s1/widgets/{WID}", None), resp_status="204 No Content", resource="widget"))

if __name__ == "__main__":
    gizmo_pages(sys.argv[1] + "/gizmo")
    widget_pages(sys.argv[1] + "/widget")
