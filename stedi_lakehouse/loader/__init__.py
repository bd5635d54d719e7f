"""The loader (`load_landing.py`): find deliveries, normalise and judge them, land them.

`discover` finds a source's deliveries in one listing of the storage; `decoding`, `line_stream`,
`documents` and `normalise` turn a delivery into JSON lines judged by the contract, as a stream;
`load` writes them through the storage and `report` says what happened. It may import
`stedi_lakehouse.shared` only; the erasure and the build use its line splitter and decoding.
"""
