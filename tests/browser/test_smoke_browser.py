def test_home_page_switches_language(new_page):
    """A visitor can switch the interface between Chinese and English, and the choice sticks."""
    page = new_page()
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto("/login")
    assert page.get_by_role("heading", name="Staff sign-in").is_visible()
