"""An S3 protocol server on loopback for tests/s3.rs: moto's server, started in this process.

Prints one JSON line once it serves: the endpoint, a bucket made for the test, and an access key
of an IAM user allowed to use S3. From then on, requests must be signed by that key (a bad key
or secret is refused, as S3 refuses it). Serves until its standard input closes.

Two paths are answered here rather than by moto, so that a test can check what a computation
did: ``/__requests``, the ``[method, path]`` of every S3 request seen so far, and ``/__keys``,
the keys the bucket holds.

``python3 scripts/s3_server.py upload DIR BUCKET PREFIX`` instead copies the files under DIR
to the bucket under PREFIX, with boto3 and the credentials and endpoint of the ``AWS_*``
variables (a test's way to put a store made on disk into the server).

Needs ``pip install "moto[s3]" flask flask-cors boto3``.
"""

import json
import sys
import threading

from urllib.parse import quote, unquote

import boto3
import moto.iam.access_control as access_control
from moto import settings
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server


def _canonical_query(make_request):
    """moto (5.x) signs the query string as the web framework decoded it, so a value with a
    `/` (a list under a prefix) never matches the client's signature, which SigV4 computes over
    every value URI-encoded. Encode them as SigV4 does before moto checks."""

    def wrapped(self):
        path, _, query = self._path.partition("?")
        if query:
            pairs = (p.partition("=") for p in query.split("&"))
            query = "&".join(
                f"{quote(unquote(k), safe='-_.~')}={quote(unquote(v), safe='-_.~')}"
                for k, _, v in pairs
            )
            self._path = f"{path}?{query}"
        return make_request(self)

    return wrapped


access_control.IAMRequestBase._create_aws_request = _canonical_query(
    access_control.IAMRequestBase._create_aws_request
)

BUCKET = "chunkwise-test"
seen = []
lock = threading.Lock()
moto_app = DomainDispatcherApplication(create_backend_app)


def app(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path in ("/__requests", "/__keys"):
        if path == "/__keys":
            body = json.dumps(sorted(bucket_keys())).encode()
        else:
            with lock:
                body = json.dumps(seen).encode()
        start_response(
            "200 OK",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]
    with lock:
        seen.append([environ["REQUEST_METHOD"], path])
    return moto_app(environ, start_response)


def bucket_keys():
    """The keys in the test's bucket, as the server holds them."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    bucket = s3_backends[DEFAULT_ACCOUNT_ID]["aws"].buckets[BUCKET]
    return list(bucket.keys.keys())


def main():
    server = make_server("127.0.0.1", 0, app, threaded=True)
    endpoint = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()

    # Set up while the server still takes unsigned requests: a user, its key, a bucket.
    admin = dict(
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="setup",
        aws_secret_access_key="setup",
    )
    iam = boto3.client("iam", **admin)
    iam.create_user(UserName="chunkwise")
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    iam.put_user_policy(
        UserName="chunkwise", PolicyName="s3", PolicyDocument=json.dumps(policy)
    )
    key = iam.create_access_key(UserName="chunkwise")["AccessKey"]
    boto3.client("s3", **admin).create_bucket(Bucket=BUCKET)
    # From now on every request is authenticated and authorised.
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    with lock:
        seen.clear()

    print(
        json.dumps(
            {
                "endpoint": endpoint,
                "bucket": BUCKET,
                "region": "us-east-1",
                "key_id": key["AccessKeyId"],
                "secret": key["SecretAccessKey"],
            }
        ),
        flush=True,
    )
    sys.stdin.read()
    server.shutdown()


def upload(root, bucket, prefix):
    import os

    s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            key = f"{prefix}/{os.path.relpath(path, root)}".replace(os.sep, "/")
            s3.upload_file(path, bucket, key)


if __name__ == "__main__":
    if sys.argv[1:2] == ["upload"]:
        upload(*sys.argv[2:5])
    else:
        main()
