"""Tests for tools/sample_data.py (the deterministic sample landing data)."""

import json
from collections import Counter
from pathlib import Path

import pytest

from stedi_lakehouse.shared.contract import load_datasets, validate_record
from tools import sample_data as gen

CONTRACT = {dataset.name: dataset for dataset in load_datasets()}
DATASETS = tuple(CONTRACT)
PYTHON_TYPES = {"string": str, "bigint": int, "int": int, "double": float}
# the consent keys the generator leaves out of some records, as real deliveries do
SHARE_KEYS = {"shareWithResearchAsOfDate", "shareWithPublicAsOfDate", "shareWithFriendsAsOfDate"}


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _rows(out: Path, dataset: str) -> list[dict]:
    rows = []
    for path in sorted((out / dataset / "landing").glob("*.json")):
        for line in path.read_text(encoding="utf-8").splitlines():
            rows.append(json.loads(line))
    return rows


def _norm(email: str) -> str:
    return email.strip().lower()


def _current(customers: list[dict]) -> dict[str, dict]:
    """Return the record with the latest lastUpdateDate per normalised email."""
    current: dict[str, dict] = {}
    for record in customers:
        key = _norm(record["email"])
        if key not in current or record["lastUpdateDate"] > current[key]["lastUpdateDate"]:
            current[key] = record
    return current


def _consents(record: dict) -> bool:
    return bool(record.get("shareWithResearchAsOfDate"))


@pytest.fixture(scope="session")  # xdist may end a module scope between tests
def data(tmp_path_factory) -> dict[str, list[dict]]:
    out = tmp_path_factory.mktemp("sample")
    assert gen.main([str(out)]) == 0
    return {dataset: _rows(out, dataset) for dataset in DATASETS}


def test_same_seed_gives_identical_bytes_and_other_seed_differs(tmp_path):
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        assert gen.main([str(tmp_path / name), "--seed", seed, "--customers", "50"]) == 0
    first, again, other = (_files(tmp_path / name) for name in "abc")
    assert first == again
    assert first.keys() == other.keys()
    assert first != other


def test_layout_matches_the_starter_data(tmp_path):
    assert gen.main([str(tmp_path)]) == 0
    names = {
        dataset: [p.name for p in (tmp_path / dataset / "landing").iterdir()]
        for dataset in DATASETS
    }
    assert names["customer"] == ["customer-1.json"]
    for dataset in ("accelerometer", "step_trainer"):
        assert len(names[dataset]) >= 2
        assert all(n.startswith(f"{dataset}-") and n.endswith(".json") for n in names[dataset])
    assert sum(len(content) for content in _files(tmp_path).values()) < 1_000_000


def test_every_line_is_one_json_object(tmp_path):
    assert gen.main([str(tmp_path)]) == 0
    for path in tmp_path.rglob("*.json"):
        content = path.read_bytes()
        assert content.endswith(b"\n") and b"\r" not in content
        for line in content.decode("utf-8").split("\n")[:-1]:
            assert isinstance(json.loads(line), dict)


@pytest.mark.parametrize(
    ("dataset", "optional"),
    [("customer", SHARE_KEYS), ("accelerometer", set()), ("step_trainer", set())],
)
def test_keys_and_types_match_the_contract(data, dataset, optional):
    contract = CONTRACT[dataset]
    assert data[dataset]
    for row in data[dataset]:
        assert set(contract.types) - optional <= row.keys() <= set(contract.types)
        for key, value in row.items():
            assert type(value) is PYTHON_TYPES[contract.types[key]], (key, value)
        assert validate_record(row, contract) is None, row


def test_customer_values_look_real(data):
    customers = data["customer"]
    for record in customers:
        year, month, day = record["birthDay"].split("-")
        assert len(year) == 4 and len(month) == 2 and len(day) == 2
        assert len(record["serialNumber"].split("-")) == 5 and record["serialNumber"][14] == "4"
        assert all(record[key] > 0 for key in SHARE_KEYS & record.keys())
    assert any(record["birthDay"] < "1900-01-02" for record in customers)
    assert any(SHARE_KEYS.isdisjoint(record) for record in customers)


def test_roughly_half_consent(data):
    current = _current(data["customer"]).values()
    share = sum(_consents(record) for record in current) / len(current)
    assert 0.3 <= share <= 0.7


def test_some_consent_after_registration_with_readings_before_it(data):
    current = _current(data["customer"])
    times = {}
    for row in data["accelerometer"]:
        times.setdefault(_norm(row["user"]), []).append(row["timestamp"])
    late = [
        email
        for email, record in current.items()
        if _consents(record) and record["shareWithResearchAsOfDate"] > record["registrationDate"]
    ]
    early_readings = [
        email
        for email in late
        if min(times.get(email, [2**62])) < current[email]["shareWithResearchAsOfDate"]
    ]
    assert len(early_readings) >= 2


def test_three_readings_per_step_trainer_reading_of_the_owner(data):
    owner: dict[str, str] = {}
    for record in sorted(data["customer"], key=lambda r: r["registrationDate"]):
        owner.setdefault(record["serialNumber"], _norm(record["email"]))
    per_user_time = Counter((_norm(r["user"]), r["timestamp"]) for r in data["accelerometer"])
    assert data["step_trainer"]
    for reading in data["step_trainer"]:
        key = (owner[reading["serialNumber"]], reading["sensorReadingTime"])
        assert per_user_time[key] == 3, reading
    assert set(per_user_time.values()) == {3}
    # identical readings at one millisecond would count once downstream
    distinct = {
        (_norm(r["user"]), r["timestamp"], r["x"], r["y"], r["z"]) for r in data["accelerometer"]
    }
    assert len(distinct) == len(data["accelerometer"])
    times_per_serial = Counter(r["serialNumber"] for r in data["step_trainer"])
    assert min(times_per_serial.values()) >= 3
    pairs = Counter((r["serialNumber"], r["sensorReadingTime"]) for r in data["step_trainer"])
    assert set(pairs.values()) == {1}


def test_reused_serial_numbers_have_readings_from_one_device_only(data):
    emails_per_serial: dict[str, set[str]] = {}
    for record in data["customer"]:
        emails_per_serial.setdefault(record["serialNumber"], set()).add(_norm(record["email"]))
    reused = {serial for serial, emails in emails_per_serial.items() if len(emails) > 1}
    assert len(reused) >= 2
    device_times = {r["sensorReadingTime"] for r in data["step_trainer"]}
    borrowers = set()
    for serial in reused:
        first, *others = sorted(
            (r for r in data["customer"] if r["serialNumber"] == serial),
            key=lambda r: r["registrationDate"],
        )
        borrowers |= {_norm(r["email"]) for r in others} - {_norm(first["email"])}
    borrower_times = [
        r["timestamp"] for r in data["accelerometer"] if _norm(r["user"]) in borrowers
    ]
    assert borrower_times
    assert device_times.isdisjoint(borrower_times)


def test_duplicate_customer_records_and_a_consent_withdrawal(data):
    records: dict[str, list[dict]] = {}
    for record in data["customer"]:
        records.setdefault(record["email"], []).append(record)
    duplicated = {email: rs for email, rs in records.items() if len(rs) > 1}
    assert len(duplicated) >= 3
    withdrawn = 0
    for rs in duplicated.values():
        older, newer = sorted(rs, key=lambda r: r["lastUpdateDate"])
        assert newer["lastUpdateDate"] > older["lastUpdateDate"]
        withdrawn += _consents(older) and not _consents(newer)
    assert withdrawn >= 1


def test_customers_without_readings_and_emails_spelled_differently(data):
    emails = {record["email"] for record in data["customer"]}
    users = {row["user"] for row in data["accelerometer"]}
    assert {_norm(e) for e in emails} - {_norm(u) for u in users}
    variants = users - emails
    assert len(variants) >= 2
    assert {_norm(u) for u in variants} <= {_norm(e) for e in emails}
    assert any(u != u.strip() for u in variants)


def test_two_devices_share_a_millisecond(data):
    serials_per_time: dict[int, set[str]] = {}
    for reading in data["step_trainer"]:
        serials_per_time.setdefault(reading["sensorReadingTime"], set()).add(
            reading["serialNumber"]
        )
    assert any(len(serials) > 1 for serials in serials_per_time.values())


def test_regeneration_removes_stale_files(tmp_path):
    stale = tmp_path / "accelerometer" / "landing" / "accelerometer-99.json"
    stale.parent.mkdir(parents=True)
    stale.write_text('{"user": "old@test.com"}\n')
    assert gen.main([str(tmp_path), "--customers", "60"]) == 0
    before = _files(tmp_path)
    assert gen.main([str(tmp_path), "--customers", "30"]) == 0
    assert not stale.exists()
    after = _files(tmp_path)
    assert after.keys() == before.keys()
    assert after != before
    assert len(_rows(tmp_path, "customer")) < 40


@pytest.mark.parametrize("argv", [["--customers", "3"], ["--seed", "x"], []])
def test_bad_arguments_exit_2(tmp_path, argv):
    with pytest.raises(SystemExit) as raised:
        gen.main([*argv, str(tmp_path)] if argv else argv)
    assert raised.value.code == 2


def test_help_documents_exit_codes(capsys):
    with pytest.raises(SystemExit) as raised:
        gen.main(["--help"])
    assert raised.value.code == 0
    assert "exit codes" in capsys.readouterr().out
