from .personas import bearer, upn


def test_partner_lists_customers(client, sign_in):
    token = sign_in(upn("northwind"))
    response = client.get("/partnercenter/v1/customers", headers=bearer(token))
    assert response.status_code == 200
    names = {c["companyProfile"]["companyName"] for c in response.get_json()["items"]}
    assert "Contoso Ltd" in names and "Woodgrove Bank" not in names
