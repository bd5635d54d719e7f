"""What every job shares: the landing data contract, delivery names, exit codes and storage.

`contract` reads the landing contract from the dbt project when asked (`datasets()`);
`storage` is the one interface over a local directory or an S3 prefix (list, stream, write
atomically, delete, lock), implemented by `local_storage` and `s3_storage`; `aws` makes the S3
client and says AWS errors in one sentence (only `aws` and `s3_storage` import boto3);
`errors` holds the exit codes of both commands and their last-resort handler, `cli` their
common S3 options, `tombstones` the erasure's tombstone list. It imports no other package.
"""
