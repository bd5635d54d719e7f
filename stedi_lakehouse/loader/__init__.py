"""The loader (`load_landing.py`): find deliveries, normalise and judge them, land them.

`discover` finds a source's deliveries, `decoding`, `line_stream`, `documents` and `normalise`
turn a delivery into JSON lines judged by the contract, as a stream, `load` writes them through
the storage and `report` says what happened. It imports `stedi_lakehouse.shared` only.
"""
