"""One ticket store: a ticket filed on one surface is the same ticket on every surface that shows it."""

from __future__ import annotations

from .personas import bearer, tid, upn

M365 = "https://admin.microsoft.com/.default"


def test_file_on_m365_see_in_partner_center_note_there_read_back_on_m365(client, sign_in):
    m365 = sign_in(upn("northwind"), tenant="contoso.onmicrosoft.com", scope=M365)
    filed = client.post(
        "/m365admin/v1.0/support/serviceRequests",
        headers=bearer(m365),
        json={
            "title": "Mail delayed",
            "description": "Since 06:30 UTC.",
            "topicCategoryId": "email-and-calendar",
            "severity": "critical",
            "contact": {"name": "Ann Beebe", "email": "ann@northwindcloud.onmicrosoft.com", "phone": "+1 425-555-0101"},
        },
    )
    assert filed.status_code == 201, filed.get_json()
    ticket_id = filed.get_json()["id"]

    pc = sign_in(upn("northwind"))
    listed = client.get(f"/partnercenter/v1/customers/{tid('contoso')}/servicerequests", headers=bearer(pc)).get_json()
    sr = next(i for i in listed["items"] if i["id"] == ticket_id)
    assert sr["title"] == "Mail delayed" and sr["severity"] == "critical" and sr["status"] == "open"
    contact = sr["primaryContact"]
    assert {k: contact[k] for k in ("firstName", "lastName", "email", "phoneNumber")} == {
        "firstName": "Ann",
        "lastName": "Beebe",
        "email": "ann@northwindcloud.onmicrosoft.com",
        "phoneNumber": "+1 425-555-0101",
    }
    assert contact["contactId"] and contact["organization"]["name"] == "Northwind Cloud"
    assert sr["productName"] == "Microsoft 365 (Office 365)"

    noted = client.patch(
        f"/partnercenter/v1/servicerequests/{ticket_id}",
        headers=bearer(pc),
        json={"NewNote": {"Text": "Added from Partner Center."}},
    )
    assert noted.status_code == 200

    back = client.get(f"/m365admin/v1.0/support/serviceRequests/{ticket_id}", headers=bearer(m365)).get_json()
    assert [n["text"] for n in back["notes"]] == ["Added from Partner Center."]
    customer_admin = sign_in(upn("contoso"), scope=M365)
    seen = client.get("/m365admin/v1.0/support/serviceRequests", headers=bearer(customer_admin)).get_json()
    assert [r["id"] for r in seen["value"]] == [ticket_id]  # "View all support tickets" in the customer's tenant


def test_a_partner_center_ticket_is_in_the_customers_m365_list(client, sign_in):
    pc = sign_in(upn("northwind"))
    sr = client.post(
        f"/partnercenter/v1/customers/{tid('litware')}/servicerequests/en-US",
        headers=bearer(pc),
        json={"Title": "Teams calls drop", "Description": "d", "Severity": "moderate", "SupportTopicId": 32444673},
    ).get_json()
    admin = sign_in(upn("litware"), scope=M365)
    listed = client.get("/m365admin/v1.0/support/serviceRequests", headers=bearer(admin)).get_json()
    assert [r["id"] for r in listed["value"]] == [sr["id"]]
    other_partner_view = client.get(
        f"/partnercenter/v1/servicerequests/{sr['id']}", headers=bearer(sign_in(upn("fabrikam")))
    )
    assert other_partner_view.status_code == 404
