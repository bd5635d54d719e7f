"""What every job shares: the landing data contract, delivery names, exit codes and storage.

`contract` reads the landing contract from the dbt project when asked; `storage` is the one
interface over a local directory or an S3 prefix (list, stream, write atomically, delete,
lock), `s3_storage` its S3 implementation and the only module that imports boto3. Modules here
import nothing of the other packages.
"""
