"""The edge lines of the landing data contract and the verdict each must get (docs/rules.md).

test_contract.py feeds them to the loader and to a Spark build, test_athena_contract.py to the
Athena SQL on DuckDB: every reader must give each line the verdict written beside it.
"""

from __future__ import annotations

from pathlib import Path

from builds import write_lines

NOT_OBJECT = "not a JSON object"
TWICE = "a key appears twice (keys are case-insensitive)"

# (line, verdict): None when the line is accepted, else the reason both must give
ACCELEROMETER_EDGES = [
    ('{"user":"a01@test.com","timestamp":1001,"x":1.5,"y":-2,"z":0}', None),
    ('{"user":"a02@test.com","timeStamp":1002,"x":1,"y":1,"z":1}', None),
    ('{"USER":"a03@test.com","TIMESTAMP":1003}', None),
    # a number written as a string: accepted when written as JSON writes the number
    ('{"user":"a04@test.com","timestamp":"1004","x":1}', None),
    ('{"user":"a05@test.com","timestamp":1005,"x":"1.5"}', None),
    ('{"user":"a06@test.com","timestamp":1006,"x":"-0.5e-3"}', None),
    ('{"user":"a07@test.com","timestamp":" 1007 "}', "timestamp is not an integer"),
    ('{"user":"a08@test.com","timestamp":"-0"}', "timestamp is not an integer"),
    ('{"user":"a09@test.com","timestamp":1009,"x":"NaN"}', "x is not a number"),
    ('{"user":"a10@test.com","timestamp":1010,"x":"7d"}', "x is not a number"),
    # a required string that is blank counts as absent
    ('{"user":"  ","timestamp":1011}', "missing required key user"),
    ('{"user":"\\u00a0\\u2003","timestamp":1012}', "missing required key user"),
    ('{"user":"","timestamp":1013}', "missing required key user"),
    ('{"user":"a14@test.com","x":1}', "missing required key timestamp"),
    ('{"user":"a15@test.com","timestamp":null}', "missing required key timestamp"),
    ("{}", "missing required key user"),
    # a key twice, in another case or in the same
    ('{"user":"a17@test.com","timestamp":1017,"timeStamp":1018}', TWICE),
    ('{"user":"a18@test.com","timestamp":1018,"x":1,"x":2}', TWICE),
    # a value of another JSON type where a number is expected
    ('{"user":"a19@test.com","timestamp":1019,"x":{"a":1}}', "x is not a number"),
    ('{"user":"a20@test.com","timestamp":1020,"y":[1]}', "y is not a number"),
    ('{"user":"a21@test.com","timestamp":1021,"z":true}', "z is not a number"),
    ('{"user":"a22@test.com","timestamp":99999999999999999999}', "timestamp is not an integer"),
    ('{"user":"a23@test.com","timestamp":1e3}', "timestamp is not an integer"),
    ('{"user":"a24@test.com","timestamp":1024.0}', "timestamp is not an integer"),
    ('{"user":"a25@test.com","timestamp":1025,"x":1e3}', None),
    ('{"user":"a26@test.com","timestamp":1026,"x":1e400}', "x is not a number"),
    ('{"user":"a27@test.com","timestamp":1027,"x":null}', None),
    # a string key keeps the text of any value; keys the contract does not name are ignored
    ('{"user":5,"timestamp":1028}', None),
    ('{"user":{"a":1},"timestamp":1029}', None),
    ('{"user":"a30@test.com","timestamp":1030,"extra":[1,2]}', None),
    # not one JSON object
    ("not JSON at all", NOT_OBJECT),
    ("[1,2,3]", NOT_OBJECT),
    ('{"user":"a33@test.com","timestamp":1033}{"user":"b@test.com","timestamp":1}', NOT_OBJECT),
    ('{"user":"a34@test.com","timestamp":1034} 5', NOT_OBJECT),
    ("{'user':'a35@test.com','timestamp':1035}", NOT_OBJECT),
    ('{"user":"a36@test.com","timestamp":1036,"x":NaN}', NOT_OBJECT),
    ('{"user":"a37}{@test.com","timestamp":1037}', NOT_OBJECT),
    ('{"user":"a38@test.com","timestamp":01038}', NOT_OBJECT),
    ('{"user":"a39@test.com","timestamp":1039', NOT_OBJECT),
    # one object and nothing after it, though the line ends with `}`: JSON readers stop after
    # the first object
    ('{"user":"a40@test.com","timestamp":1040},{"user":"b@test.com","timestamp":1}', NOT_OBJECT),
    ('{"user":"a41@test.com","timestamp":1041} 5}', NOT_OBJECT),
    ('{"user":"a42@test.com","timestamp":1042} ]}', NOT_OBJECT),
    ('{"user":"a}43@test.com","timestamp":1043}', None),
    ('{"user":"a44@test.com","timestamp":1044,"x":{"a":1},"y":[{"b":{}}]}', "x is not a number"),
    # objects may nest max_object_depth (4) deep inside the line's object
    ('{"user":{"a":{"b":{"c":{"d":"}"}}}},"timestamp":1045}', None),
    ('{"user":{"a":{"b":{"c":{"d":{"e":1}}}}},"timestamp":1046}', NOT_OBJECT),
]
CUSTOMER_EDGES = [
    ('{"customerName":"C One","email":"c01@test.com","lastUpdateDate":1}', None),
    ('{"customerName":"C Two","email":" \\t","lastUpdateDate":2}', "missing required key email"),
    ('{"email":"c03@test.com","lastUpdateDate":"3"}', None),
    (
        '{"email":"c04@test.com","lastUpdateDate":4,"shareWithResearchAsOfDate":1.5}',
        "shareWithResearchAsOfDate is not an integer",
    ),
    ('{"email":"c05@test.com","Email":"c05@test.com","lastUpdateDate":5}', TWICE),
    ('{"email":"c06@test.com"}', "missing required key lastUpdateDate"),
    ('{"email":"c07@test.com","lastUpdateDate":7,"phone":555}', None),
]
STEP_TRAINER_EDGES = [
    ('{"sensorReadingTime":1,"serialNumber":"s-01","distanceFromObject":200}', None),
    (
        '{"sensorReadingTime":2,"serialNumber":"s-02","distanceFromObject":3000000000}',
        "distanceFromObject is not an integer",
    ),
    ('{"sensorReadingTime":3,"serialNumber":" "}', "missing required key serialNumber"),
    ('{"sensorReadingTime":"soon","serialNumber":"s-04"}', "sensorReadingTime is not an integer"),
    ('{"sensorReadingTime":5,"serialNumber":"s-05","distanceFromObject":"250"}', None),
]
EDGES = {
    "customer": CUSTOMER_EDGES,
    "accelerometer": ACCELEROMETER_EDGES,
    "step_trainer": STEP_TRAINER_EDGES,
}


def write_edges(root: Path, edges: dict[str, list[tuple[str, str | None]]]) -> None:
    for dataset, lines in edges.items():
        path = root / dataset / "landing" / f"{dataset}-edges.json"
        write_lines(path, [line for line, _ in lines])
