"""The sender's address and the email's id, whatever the From header holds."""

from __future__ import annotations

from email_processing.identity import legacy_email_id, sender_email


def test_the_address_is_parsed_and_lowercased():
    assert sender_email("Planning Média <Planning@Media-Solution.example>") == (
        "planning@media-solution.example"
    )


def test_a_from_header_of_nested_comments_reads_as_no_address():
    hostile = "(" * 5000 + "x" + ")" * 5000 + " <a@b.example>"
    assert sender_email(hostile) == ""
    assert len(legacy_email_id("s", hostile, "d")) == 32
