"""The erasure (`erase_customer.py`): remove customers' lines from the landing zone on request.

`erase` is the command and its steps, `lines` decides which lines go, `rewrite` streams every
landing file through the loader's line splitter (`loader.line_stream`, in the loader's chunks of
`loader.decoding`) and rewrites a file through the storage's staging, so its memory stays
bounded like the loader's. It may import `stedi_lakehouse.shared` and those two loader modules;
nothing imports it.
"""
