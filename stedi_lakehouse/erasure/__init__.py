"""The erasure (`erase_customer.py`): remove customers' lines from the landing zone on request.

`erase` is the command and its steps, `lines` decides which lines go. It streams every file
through the loader's line splitter (`loader.line_stream`) and the storage's staging, so its
memory stays bounded like the loader's. It imports `stedi_lakehouse.shared` and those two.
"""
