"""Generate a small, deterministic STEDI landing data set for tests and local builds.

The output is laid out like the Udacity starter data, as JSON lines with epoch
milliseconds and the key names of the STEDI data contract::

    OUT/customer/landing/customer-1.json
    OUT/accelerometer/landing/accelerometer-<n>.json
    OUT/step_trainer/landing/step_trainer-<n>.json

It deliberately contains the cases the models must handle: about half of the customers
consent to research, some only after their first readings; serial numbers shared by two
customers (the step-trainer readings come from the first owner's device only); later
duplicate customer records, a few of which withdraw consent; customers without readings;
emails that differ in case or whitespace between customer and accelerometer records; and
readings of two different devices at the same millisecond. It contains no malformed lines.

Everything comes from one ``random.Random(seed)``: the same arguments always give
byte-identical files. Stale files in the three landing folders are removed first.
"""

import argparse
import json
import random
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

FIRST_NAMES = ("Ann", "Ben", "Chen", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jae")
FIRST_NAMES += ("Kofi", "Lena", "Mia", "Nils", "Omar", "Priya", "Raj", "Sara", "Tom", "Uma")
LAST_NAMES = ("Lee", "Khatib", "Clayton", "Garcia", "Novak", "Okafor", "Rossi", "Sato", "Weber")
LAST_NAMES += ("Young", "Zhang", "Haddad", "Ivanova", "Jensen", "Moreau", "Patel", "Silva")
BASE_TIME_MS = 1_655_564_376_361  # mid-June 2022, the era of the starter data
DAY_MS = 86_400_000
READINGS_PER_TIME = 3  # accelerometer readings per step-trainer reading time
AXIS_VALUES = (-1.0, 0.0, 1.0)
AXIS_TRIPLES = [(x, y, z) for x in AXIS_VALUES for y in AXIS_VALUES for z in AXIS_VALUES]
FILE_COUNTS = {"customer": 1, "accelerometer": 4, "step_trainer": 3}
MIN_CUSTOMERS = 20  # enough for every special case to occur at least once


@dataclass
class Customer:
    """One customer, their consent, and the reading times of their phone and device."""

    name: str
    email: str
    phone: str
    birth_day: str
    serial: str
    registration: int
    research: int | None
    public: int | None
    friends: int | None
    owns_device: bool = True  # False when a serial number was already given to someone else
    times: list[int] = field(default_factory=list)
    accel_user: str = ""  # the email as the phone app spells it
    updated_at: int | None = None  # lastUpdateDate of a later duplicate record
    withdraws: bool = False  # the later duplicate record omits research consent

    @property
    def last_update(self) -> int:
        """Return the lastUpdateDate of the first record (consent updates the profile)."""
        return max(self.registration, self.research or 0)


def birth_day(rng: random.Random) -> str:
    """Return a yyyy-mm-dd birthday, now and then an absurd one as in the real data."""
    if rng.random() < 0.05:
        return rng.choice(("1399-01-01", "1900-01-01"))
    return f"{rng.randint(1940, 2004)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def make_customers(rng: random.Random, count: int, days_apart: int = 0) -> list[Customer]:
    """Create customers with unique emails, registered in order; about half consent.

    Each registers a minute or so after the one before, and ``days_apart`` days later still:
    readings spread over many days, as incremental builds (which rebuild days) need.
    """
    names = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(names)
    customers = []
    registration = BASE_TIME_MS
    for i in range(count):
        first, last = names[i % len(names)]
        suffix = str(i // len(names)) if i >= len(names) else ""
        registration += rng.randint(20_000, 90_000) + days_apart * DAY_MS
        email = f"{first}.{last}{suffix}@test.com"
        customers.append(
            Customer(
                name=f"{first} {last}",
                email=email,
                phone=f"801555{rng.randint(0, 9999):04d}",
                birth_day=birth_day(rng),
                serial=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                registration=registration,
                research=registration if rng.random() < 0.5 else None,
                public=registration if rng.random() < 0.4 else None,
                friends=registration if rng.random() < 0.4 else None,
                accel_user=email,
            )
        )
    return customers


def reuse_serials(rng: random.Random, customers: list[Customer]) -> None:
    """Give some customers the serial number of an earlier customer (the fulfilment defect)."""
    picked = sorted(rng.sample(range(len(customers)), 2 * max(1, len(customers) // 25)))
    for owner, borrower in zip(picked[::2], picked[1::2], strict=True):
        customers[borrower].serial = customers[owner].serial
        customers[borrower].owns_device = False


def add_reading_times(rng: random.Random, customers: list[Customer]) -> None:
    """Give most customers a session of reading times, no two at the same millisecond."""
    idle = set(rng.sample(range(len(customers)), len(customers) // 8))
    used: set[int] = set()
    for i, customer in enumerate(customers):
        if i in idle:
            continue
        time = customer.registration + rng.randint(5_000, 60_000)
        for _ in range(rng.randint(4, 8)):
            while time in used:
                time += 1
            used.add(time)
            customer.times.append(time)
            time += rng.randint(2_000, 40_000)


def delay_consent(rng: random.Random, customers: list[Customer]) -> None:
    """Move the consent of some consenting customers into the middle of their session."""
    candidates = [c for c in customers if c.research is not None and c.times]
    for customer in rng.sample(candidates, max(1, len(candidates) // 4)):
        middle = len(customer.times) // 2
        customer.research = (customer.times[middle - 1] + customer.times[middle]) // 2


def add_duplicates(rng: random.Random, customers: list[Customer]) -> None:
    """Give some customers a later second record; a few of those withdraw research consent."""
    count = max(3, len(customers) // 20)
    consenting = [i for i, c in enumerate(customers) if c.research is not None and c.times]
    withdrawing = rng.sample(consenting, max(1, count // 3))
    others = [i for i in range(len(customers)) if i not in withdrawing]
    for i in withdrawing + rng.sample(others, count - len(withdrawing)):
        customer = customers[i]
        customer.updated_at = customer.last_update + rng.randint(DAY_MS, 30 * DAY_MS)
        customer.withdraws = i in withdrawing


def share_milliseconds(rng: random.Random, customers: list[Customer]) -> None:
    """Let a few device owners record one reading at the same millisecond as the next owner.

    The earlier owner gets a reading at the later owner's last reading time, which is after
    both registrations, so both readings count for consenting customers.
    """
    owners = [
        c
        for c in customers
        if c.owns_device and c.times and c.research == c.registration and not c.withdraws
    ]
    pair_count = min(len(owners) // 2, max(1, len(customers) // 50))
    for i in rng.sample(range(0, len(owners) - 1, 2), pair_count):
        first, second = owners[i], owners[i + 1]
        first.times = sorted([*first.times, second.times[-1]])


def vary_emails(rng: random.Random, customers: list[Customer]) -> None:
    """Spell a few consenting customers' emails differently in their accelerometer records."""
    candidates = [c for c in customers if c.research is not None and c.times and not c.withdraws]
    variants = (lambda e: e.lower() + " ", lambda e: e.upper(), lambda e: " " + e.lower())
    for n, customer in enumerate(rng.sample(candidates, max(3, len(customers) // 50))):
        customer.accel_user = variants[n % len(variants)](customer.email)


def customer_records(customer: Customer) -> list[dict]:
    """Return the customer's records, a later duplicate (if any) before the original."""
    record = {
        "customerName": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "birthDay": customer.birth_day,
        "serialNumber": customer.serial,
        "registrationDate": customer.registration,
        "lastUpdateDate": customer.last_update,
        "shareWithResearchAsOfDate": customer.research,
        "shareWithPublicAsOfDate": customer.public,
        "shareWithFriendsAsOfDate": customer.friends,
    }
    record = {key: value for key, value in record.items() if value is not None}
    if customer.updated_at is None:
        return [record]
    later = {**record, "lastUpdateDate": customer.updated_at}
    if customer.withdraws:
        del later["shareWithResearchAsOfDate"]
    return [later, record]


def readings(rng: random.Random, customers: list[Customer]) -> tuple[list[dict], list[dict]]:
    """Return accelerometer and step-trainer readings: three phone readings per device reading."""
    accelerometer, step_trainer = [], []
    for customer in customers:
        for time in customer.times:
            # distinct values: identical readings at one millisecond count once downstream,
            # as the same record delivered twice does
            for x, y, z in rng.sample(AXIS_TRIPLES, READINGS_PER_TIME):
                accelerometer.append(
                    {"user": customer.accel_user, "timestamp": time, "x": x, "y": y, "z": z}
                )
            if customer.owns_device:
                step_trainer.append(
                    {
                        "sensorReadingTime": time,
                        "serialNumber": customer.serial,
                        "distanceFromObject": rng.randint(200, 300),
                    }
                )
    return accelerometer, step_trainer


def write_dataset(out: Path, dataset: str, rows: list[dict]) -> None:
    """Replace the dataset's landing files with ``rows`` split over a few JSON-lines files."""
    folder = out / dataset / "landing"
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.iterdir():
        if stale.is_file():
            stale.unlink()
    parts = FILE_COUNTS[dataset]
    size = -(-len(rows) // parts)
    for part in range(parts):
        lines = (json.dumps(row) + "\n" for row in rows[part * size : (part + 1) * size])
        (folder / f"{dataset}-{part + 1}.json").write_text("".join(lines), encoding="utf-8")


def generate(out: Path, customer_count: int, seed: int, days_apart: int = 0) -> dict[str, int]:
    """Write the three landing datasets under ``out``; return the line count of each."""
    rng = random.Random(seed)
    customers = make_customers(rng, customer_count, days_apart)
    for step in (
        reuse_serials,
        add_reading_times,
        delay_consent,
        add_duplicates,
        share_milliseconds,
        vary_emails,
    ):
        step(rng, customers)
    accelerometer, step_trainer = readings(rng, customers)
    datasets = {
        "customer": [record for c in customers for record in customer_records(c)],
        "accelerometer": accelerometer,
        "step_trainer": step_trainer,
    }
    for dataset, rows in datasets.items():
        write_dataset(out, dataset, rows)
    return {dataset: len(rows) for dataset, rows in datasets.items()}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line; exit with status 2 on bad arguments."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="exit codes: 0 ok, 2 bad arguments",
    )
    parser.add_argument("out", type=Path, help="output folder (its landing files are replaced)")
    parser.add_argument("--customers", type=int, default=200, help="customers (default 200)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    args = parser.parse_args(argv)
    if args.customers < MIN_CUSTOMERS:
        parser.error(f"--customers must be at least {MIN_CUSTOMERS}")
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"{args.out} exists and is not a folder")
    return args


def main(argv: list[str] | None = None) -> int:
    """Generate the sample landing data and print a one-line summary; return the exit code."""
    args = parse_args(argv)
    counts = generate(args.out, args.customers, args.seed)
    summary = ", ".join(f"{count} {dataset}" for dataset, count in counts.items())
    print(f"wrote {summary} lines to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
