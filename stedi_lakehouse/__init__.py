"""The Python around the STEDI dbt project, a package per job.

- `shared`: the landing data contract and the storage every job reads and writes through;
- `loader`: `load_landing.py`, which lands deliveries in the landing zone;
- `erasure`: `erase_customer.py`, which erases customers from the landing zone on request;
- `build`: `python -m stedi_lakehouse.build`, which builds the zones with dbt.

Shared code is imported only downward: `shared` imports no other package, `loader` only
`shared`, `erasure` `shared` and the loader's line splitting and staging, `build` `shared` and
the loader's decoding.
"""
