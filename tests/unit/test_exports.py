from campaign.exports import csv_stream, neutralise


def test_formula_cells_are_neutralised():
    """Text a spreadsheet would run as a formula is exported inert; numbers stay numbers."""
    for dangerous in ("=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(dangerous) == "'" + dangerous
    assert neutralise("张三") == "张三"
    assert neutralise(-5) == -5


def test_csv_has_bom_and_keeps_chinese():
    """The CSV starts with a byte-order mark so Excel shows Chinese, and every row arrives."""
    rows = [(f"签名者 {i}", "=1+1") for i in range(2500)]
    text = "".join(csv_stream(["姓名", "评论"], rows))
    assert text.startswith("\ufeff姓名,评论")
    lines = text.strip().splitlines()
    assert len(lines) == 2501
    assert lines[1] == "签名者 0,'=1+1"
