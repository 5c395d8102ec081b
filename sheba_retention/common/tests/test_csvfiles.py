import datetime as dt
import io

from sheba_retention.common.csvfiles import iso_local, write_csv


def test_write_csv_writes_the_header_and_the_rows_and_counts_the_rows():
    # given
    out = io.StringIO()

    # when
    count = write_csv(out, ["customer_id", "name"], iter([["0042", 'Abul, "AC" Mia'], ["0043", ""]]))

    # then
    assert count == 2
    assert out.getvalue() == 'customer_id,name\r\n0042,"Abul, ""AC"" Mia"\r\n0043,\r\n'


def test_iso_local_gives_dhaka_time_with_offset_and_microseconds_and_blank_for_none():
    instant = dt.datetime(2024, 1, 1, 18, 30, 0, 123456, tzinfo=dt.UTC)

    assert iso_local(instant) == "2024-01-02T00:30:00.123456+06:00"
    assert dt.datetime.fromisoformat(iso_local(instant)) == instant
    assert iso_local(None) == ""
