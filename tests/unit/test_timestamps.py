from datetime import UTC, datetime

import pytest

from inspector2backlog.findings.timestamps import TimestampError, jst, parse_timestamp, try_parse


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Wed Sep 04 16:59:44.356 UTC 2024", datetime(2024, 9, 4, 16, 59, 44, 356000, UTC)),
        ("Dec 3, 2021, 6:02:30 PM", datetime(2021, 12, 3, 18, 2, 30, tzinfo=UTC)),
        ("Dec 3, 2021, 12:02:30 AM", datetime(2021, 12, 3, 0, 2, 30, tzinfo=UTC)),
        ("Mar 20, 2023, 12:08:05 PM", datetime(2023, 3, 20, 12, 8, 5, tzinfo=UTC)),
        ("2024-02-02T16:30:33.045000+01:00", datetime(2024, 2, 2, 15, 30, 33, 45000, UTC)),
        ("2025-12-26 14:21:44.742000+01:00", datetime(2025, 12, 26, 13, 21, 44, 742000, UTC)),
        ("2024-09-04T16:50:37Z", datetime(2024, 9, 4, 16, 50, 37, tzinfo=UTC)),
        (1749165997.322, datetime(2025, 6, 5, 23, 26, 37, 322000, UTC)),
        (1748534680, datetime(2025, 5, 29, 16, 4, 40, tzinfo=UTC)),
        (1748534680000, datetime(2025, 5, 29, 16, 4, 40, tzinfo=UTC)),  # epoch milliseconds
        ("1748534680", datetime(2025, 5, 29, 16, 4, 40, tzinfo=UTC)),
    ],
)
def test_every_form_inspector_sends(raw, expected):
    assert parse_timestamp(raw) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "yesterday",
        "Foo 3, 2021, 6:02:30 PM",
        "2024-13-45T00:00:00Z",
        True,
        None,
        [],
        {},
        float("nan"),
        float("inf"),
        10**30,
        10**400,
    ],
)
def test_bad_values_raise_a_clear_error_or_none(bad):
    with pytest.raises(TimestampError):
        parse_timestamp(bad)
    assert try_parse(bad) is None


def test_jst_rendering():
    assert jst(parse_timestamp("Wed Sep 04 16:50:37.627 UTC 2024")) == "2024-09-05 01:50 JST"
    assert jst(None) == "不明"
