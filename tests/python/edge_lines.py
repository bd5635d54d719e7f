"""The edge lines of the landing data contract and the verdict each must get (docs/rules.md).

test_contract.py feeds them to the loader and to a Spark build, test_athena_contract.py to the
Athena SQL on DuckDB: every reader must give each line the verdict written beside it.
"""

from __future__ import annotations

import random
from pathlib import Path

from builds import write_lines

from stedi_lakehouse.shared.contract import DATASETS

NOT_OBJECT = "not a JSON object"
TWICE = "a key appears twice (keys are case-insensitive)"

MAX_LINE_BYTES = next(d for d in DATASETS if d.name == "accelerometer").max_line_bytes


def _padded(head: str, fill: str, beyond: int = 0) -> str:
    """A line of exactly max_line_bytes (+ beyond) bytes: head, fill repeated, then '"}'."""
    room = MAX_LINE_BYTES + beyond - len(head.encode()) - len('"}')
    return head + fill * room + '"}'


# (line, verdict): None when the line is accepted, else the reason both must give
ACCELEROMETER_EDGES = [
    ('{"user":"a01@test.com","timestamp":1655564401001,"x":1.5,"y":-2,"z":0}', None),
    ('{"user":"a02@test.com","timeStamp":1655564401002,"x":1,"y":1,"z":1}', None),
    ('{"USER":"a03@test.com","TIMESTAMP":1655564401003}', None),
    # a number written as a string: accepted when written as JSON writes the number
    ('{"user":"a04@test.com","timestamp":"1655564401004","x":1}', None),
    ('{"user":"a05@test.com","timestamp":1655564401005,"x":"1.5"}', None),
    ('{"user":"a06@test.com","timestamp":1655564401006,"x":"-0.5e-3"}', None),
    ('{"user":"a07@test.com","timestamp":" 1007 "}', "timestamp is not an integer"),
    ('{"user":"a08@test.com","timestamp":"-0"}', "timestamp is not an integer"),
    ('{"user":"a09@test.com","timestamp":1655564401009,"x":"NaN"}', "x is not a number"),
    ('{"user":"a10@test.com","timestamp":1655564401010,"x":"7d"}', "x is not a number"),
    # a required string that is blank counts as absent
    ('{"user":"  ","timestamp":1655564401011}', "missing required key user"),
    ('{"user":"\\u00a0\\u2003","timestamp":1655564401012}', "missing required key user"),
    ('{"user":"","timestamp":1655564401013}', "missing required key user"),
    ('{"user":"a14@test.com","x":1}', "missing required key timestamp"),
    ('{"user":"a15@test.com","timestamp":null}', "missing required key timestamp"),
    ("{}", "missing required key user"),
    # a key twice, in another case or in the same
    ('{"user":"a17@test.com","timestamp":1655564401017,"timeStamp":1655564401018}', TWICE),
    ('{"user":"a18@test.com","timestamp":1655564401018,"x":1,"x":2}', TWICE),
    # a value of another JSON type where a number is expected
    ('{"user":"a19@test.com","timestamp":1655564401019,"x":{"a":1}}', "x is not a number"),
    ('{"user":"a20@test.com","timestamp":1655564401020,"y":[1]}', "y is not a number"),
    ('{"user":"a21@test.com","timestamp":1655564401021,"z":true}', "z is not a number"),
    ('{"user":"a22@test.com","timestamp":99999999999999999999}', "timestamp is not an integer"),
    ('{"user":"a23@test.com","timestamp":1e3}', "timestamp is not an integer"),
    ('{"user":"a24@test.com","timestamp":1024.0}', "timestamp is not an integer"),
    ('{"user":"a25@test.com","timestamp":1655564401025,"x":1e3}', None),
    ('{"user":"a26@test.com","timestamp":1655564401026,"x":1e400}', "x is not a number"),
    ('{"user":"a27@test.com","timestamp":1655564401027,"x":null}', None),
    # a string key keeps the text of any value; keys the contract does not name are ignored
    ('{"user":5,"timestamp":1655564401028}', None),
    ('{"user":{"a":1},"timestamp":1655564401029}', None),
    ('{"user":"a30@test.com","timestamp":1655564401030,"extra":[1,2]}', None),
    # not one JSON object
    ("not JSON at all", NOT_OBJECT),
    ("[1,2,3]", NOT_OBJECT),
    (
        '{"user":"a33@test.com","timestamp":1655564401033}{"user":"b@test.com","timestamp":1655564400001}',
        NOT_OBJECT,
    ),
    ('{"user":"a34@test.com","timestamp":1655564401034} 5', NOT_OBJECT),
    ("{'user':'a35@test.com','timestamp':1035}", NOT_OBJECT),
    ('{"user":"a36@test.com","timestamp":1655564401036,"x":NaN}', NOT_OBJECT),
    ('{"user":"a37}{@test.com","timestamp":1655564401037}', NOT_OBJECT),
    ('{"user":"a38@test.com","timestamp":01038}', NOT_OBJECT),
    ('{"user":"a39@test.com","timestamp":1039', NOT_OBJECT),
    # one object and nothing after it, though the line ends with `}`: JSON readers stop after
    # the first object
    (
        '{"user":"a40@test.com","timestamp":1655564401040},{"user":"b@test.com","timestamp":1655564400001}',
        NOT_OBJECT,
    ),
    ('{"user":"a41@test.com","timestamp":1655564401041} 5}', NOT_OBJECT),
    ('{"user":"a42@test.com","timestamp":1655564401042} ]}', NOT_OBJECT),
    ('{"user":"a}43@test.com","timestamp":1655564401043}', None),
    (
        '{"user":"a44@test.com","timestamp":1655564401044,"x":{"a":1},"y":[{"b":{}}]}',
        "x is not a number",
    ),
    # objects and arrays may nest max_nesting_depth (4) deep inside the line's object
    ('{"user":{"a":{"b":{"c":{"d":"}"}}}},"timestamp":1655564401045}', None),
    ('{"user":{"a":{"b":{"c":{"d":{"e":1}}}}},"timestamp":1655564401046}', NOT_OBJECT),
    ('{"user":"a47@test.com","timestamp":1655564401047,"e":[[[[1]]]]}', None),
    ('{"user":"a48@test.com","timestamp":1655564401048,"e":[{"a":[{"b":1}]}]}', None),
    ('{"user":"a49@test.com","timestamp":1655564401049,"e":[[[[[1]]]]]}', NOT_OBJECT),
    ('{"user":"a50@test.com","timestamp":1655564401050,"e":[{"a":[{"b":[]}]}]}', NOT_OBJECT),
    # as deep as a parser's stack: a reason, never a crash
    ('{"user":"a51@test.com","e":' + "[" * 100_000 + "]" * 100_000 + "}", NOT_OBJECT),
    # times in epoch milliseconds within plausible_times; seconds read as 1970
    ('{"user":"a52@test.com","timestamp":1655564401}', "timestamp is not a plausible time"),
    ('{"user":"a53@test.com","timestamp":0}', "timestamp is not a plausible time"),
    ('{"user":"a54@test.com","timestamp":-1655564401054}', "timestamp is not a plausible time"),
    ('{"user":"a55@test.com","timestamp":946684800000}', None),
    ('{"user":"a56@test.com","timestamp":946684799999}', "timestamp is not a plausible time"),
    ('{"user":"a57@test.com","timestamp":4102444799999}', None),
    ('{"user":"a58@test.com","timestamp":4102444800000}', "timestamp is not a plausible time"),
    ('{"user":"a59@test.com","timestamp":"1655564401"}', "timestamp is not a plausible time"),
    # a line up to max_line_bytes is parsed, a longer one is not; a 1 MB value full of braces
    # in a key the contract ignores is read, its object checked without recursion
    (_padded('{"user":"a60@test.com","timestamp":1655564401060,"e":{"a":1},"f":"', "}"), None),
    (_padded('{"user":"a61@test.com","timestamp":1655564401061,"f":"', "x", 1), "line too long"),
]
CUSTOMER_EDGES = [
    ('{"customerName":"C One","email":"c01@test.com","lastUpdateDate":1655564400001}', None),
    (
        '{"customerName":"C Two","email":" \\t","lastUpdateDate":1655564400002}',
        "missing required key email",
    ),
    ('{"email":"c03@test.com","lastUpdateDate":"1655564400003"}', None),
    (
        '{"email":"c04@test.com","lastUpdateDate":1655564400004,"shareWithResearchAsOfDate":1.5}',
        "shareWithResearchAsOfDate is not an integer",
    ),
    ('{"email":"c05@test.com","Email":"c05@test.com","lastUpdateDate":1655564400005}', TWICE),
    ('{"email":"c06@test.com"}', "missing required key lastUpdateDate"),
    ('{"email":"c07@test.com","lastUpdateDate":1655564400007,"phone":555}', None),
    # a consent key may be 0, which means not agreed; a time in seconds is implausible
    ('{"email":"c08@test.com","lastUpdateDate":1655564400008,"shareWithResearchAsOfDate":0}', None),
    (
        '{"email":"c09@test.com","lastUpdateDate":1655564400009,"shareWithResearchAsOfDate":1655564400}',
        "shareWithResearchAsOfDate is not a plausible time",
    ),
    ('{"email":"c10@test.com","lastUpdateDate":0}', "lastUpdateDate is not a plausible time"),
    (
        '{"email":"c11@test.com","lastUpdateDate":1655564400011,"registrationDate":1655564400}',
        "registrationDate is not a plausible time",
    ),
]
STEP_TRAINER_EDGES = [
    ('{"sensorReadingTime":1655564400001,"serialNumber":"s-01","distanceFromObject":200}', None),
    (
        '{"sensorReadingTime":1655564400002,"serialNumber":"s-02","distanceFromObject":3000000000}',
        "distanceFromObject is not an integer",
    ),
    ('{"sensorReadingTime":1655564400003,"serialNumber":" "}', "missing required key serialNumber"),
    ('{"sensorReadingTime":"soon","serialNumber":"s-04"}', "sensorReadingTime is not an integer"),
    ('{"sensorReadingTime":1655564400005,"serialNumber":"s-05","distanceFromObject":"250"}', None),
    (
        '{"sensorReadingTime":1655564400,"serialNumber":"s-06"}',
        "sensorReadingTime is not a plausible time",
    ),
]
EDGES = {
    "customer": CUSTOMER_EDGES,
    "accelerometer": ACCELEROMETER_EDGES,
    "step_trainer": STEP_TRAINER_EDGES,
}
# What Spark's JSON parser refuses, and the loader with it: a number of more than 1,000 digits,
# a key of more than 50,000 characters, in a key the contract ignores too. Athena's Trino sets
# limits of its own (docs/rules.md), so these lines are for Spark and the loader only.
ENGINE_LIMIT_EDGES = {
    "accelerometer": [
        ('{"user":"b01@test.com","timestamp":1655564402001,"e":' + "1" * 1000 + "}", None),
        ('{"user":"b02@test.com","timestamp":1655564402002,"e":' + "1" * 1001 + "}", NOT_OBJECT),
        ('{"user":"b03@test.com","timestamp":1655564402003,"e":-1.' + "1" * 998 + "e1}", None),
        ('{"user":"b04@test.com","timestamp":1655564402004,"e":1.' + "1" * 999 + "e1}", NOT_OBJECT),
        ('{"user":"b05@test.com","timestamp":1655564402005,"' + "k" * 50_000 + '":1}', None),
        ('{"user":"b06@test.com","timestamp":1655564402006,"' + "k" * 50_001 + '":1}', NOT_OBJECT),
    ],
}
# Lines as bytes: not UTF-8, or U+FFFD, which stands for bytes that were not; a byte-order mark
# that does not begin the file is part of its line. Spark and the loader only: the Athena stand-in
# (DuckDB) reads UTF-8 text only.
BYTE_EDGES = {
    "accelerometer": [
        (b'{"user":"c01@test.com","timestamp":1655564403001}', None),
        (b'{"user":"c02@test.com","timestamp":1655564403002,"e":"\xff"}', "not valid UTF-8"),
        (b'{"user":"c03@test.com","timestamp":1655564403003,"e":"\xc3"}', "not valid UTF-8"),
        (
            b'{"user":"c04@test.com","timestamp":1655564403004,"e":"\xef\xbf\xbd"}',
            "not valid UTF-8",
        ),
        (b'\xef\xbb\xbf{"user":"c05@test.com","timestamp":1655564403005}', NOT_OBJECT),
        (b'{"user":"c06@test.com","timestamp":1655564403006,"e":"\xc3\xa9"}', None),
    ],
}


def write_edges(
    root: Path, edges: dict[str, list[tuple[str, str | None]]], name: str = "edges"
) -> None:
    for dataset, lines in edges.items():
        path = root / dataset / "landing" / f"{dataset}-{name}.json"
        write_lines(path, [line for line, _ in lines])


def write_byte_edges(root: Path, name: str = "bytes") -> None:
    for dataset, lines in BYTE_EDGES.items():
        path = root / dataset / "landing" / f"{dataset}-{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"".join(line + b"\n" for line, _ in lines))


def differential_files(seed: int = 7, files: int = 24, lines: int = 20) -> dict[str, list[str]]:
    """Files of generated lines, per dataset, for the fast path's differential test.

    Most lines are valid and plain, with values in every form JSON allows (integers, fractions,
    exponents, -0, huge and tiny numbers, escapes, emoji, nulls, keys the contract ignores); a
    file in three also holds a line that is valid but not plain (another case of a key, a quoted
    number, a number where a string belongs) or not valid, so that it is not certified.
    """
    rng = random.Random(seed)
    numbers = [
        "0",
        "-0",
        "1",
        "-7",
        "12.5",
        "-0.5e-3",
        "1e3",
        "2E+2",
        "1e-400",
        "123456789012345678901234",
        "1.7976931348623157e308",
        "3.141592653589793",
    ]
    strings = [
        "a@test.com",
        "Ann.Lee@Test.COM",
        "é@test.com",
        "\\u00e9\\ud83d\\ude00@test.com",
        "tab\\tin@test.com",
        'quote\\"in@test.com',
        "s-01",
        "  padded@test.com  ",
    ]
    extras = [
        '"extra":[1,{"a":null}]',
        '"note":"{ in } a string"',
        '"n":null',
        '"deep":{"a":{"b":[1]}}',
    ]

    def reading(i: int) -> str:
        x, y, z = (rng.choice(numbers) for _ in range(3))
        fields = [
            f'"user":"{rng.choice(strings)}"',
            f'"timestamp":{1655564400000 + i}',
            f'"x":{x}',
            f'"y":{y}',
            f'"z":{z}',
        ]
        if rng.random() < 0.3:
            fields.append(rng.choice(extras))
        if rng.random() < 0.2:
            at = rng.randrange(2, 5)
            fields[at] = f'"{"xyz"[at - 2]}":null'
        rng.shuffle(fields)
        return "{" + ",".join(fields) + "}"

    def step(i: int) -> str:
        return (
            f'{{"sensorReadingTime":{1655564400000 + i},"serialNumber":"{rng.choice(strings)}",'
            f'"distanceFromObject":{rng.choice(["0", "-0", "250", "-3", "2147483647"])}}}'
        )

    def customer(i: int) -> str:
        consent = rng.choice(
            [
                "",
                ',"shareWithResearchAsOfDate":0',
                f',"shareWithResearchAsOfDate":{1655564400000 + i}',
            ]
        )
        return (
            f'{{"customerName":"{rng.choice(strings)}","email":"c{i}@test.com","phone":null,'
            f'"lastUpdateDate":{1655564400000 + i}{consent}}}'
        )

    spoilers = {
        "accelerometer": [
            '{"user":"a@test.com","timeStamp":1655564400001}',
            '{"user":"a@test.com","timestamp":"1655564400001"}',
            '{"user":5,"timestamp":1655564400001}',
            '{"user":"a@test.com","timestamp":1655564400001,"x":true}',
        ],
        "step_trainer": [
            '{"SensorReadingTime":1655564400001,"serialNumber":"s"}',
            '{"sensorReadingTime":1655564400001,"serialNumber":7}',
        ],
        "customer": [
            '{"Email":"c@test.com","lastUpdateDate":1655564400001}',
            '{"email":"c@test.com","lastUpdateDate":"1655564400001"}',
        ],
    }
    makers = {"accelerometer": reading, "step_trainer": step, "customer": customer}
    out: dict[str, list[str]] = {}
    for dataset, make in makers.items():
        for number in range(files):
            body = [make(number * lines + i) for i in range(lines)]
            if number % 3 == 2:
                body[rng.randrange(lines)] = rng.choice(spoilers[dataset])
            out[f"{dataset}/landing/{dataset}-generated-{number:02d}.json"] = body
    return out
