"""The Python around the STEDI dbt project: the landing data contract and the loader."""
