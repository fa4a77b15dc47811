#!/usr/bin/env python3
"""Deploys the translated SAM template on moto's CloudFormation, as `sam deploy` would.

Uploads each function's release zip to the artifacts bucket under the key the translation
names (scripts/translate-template.py writes s3://igconnect-artifacts/<LogicalId>.zip),
creates the stack with the parameters given, and prints what the stack made as JSON: its
status, outputs, resources (logical id -> physical id and type), for each function its
name, environment, memory, timeout and reserved concurrency as moto's Lambda reports them,
with the path of the `bootstrap` binary unpacked from the zip moto's S3 holds (so what the
test runs is what was uploaded), and for each bucket its name, its default encryption and
the template's properties moto's S3 does not show (moto's CloudFormation applies only some
of a bucket's properties: the test names the rest).

Usage: moto-stack.py ENDPOINT SAM_TEMPLATE TRANSLATED ZIPS_DIR WORK_DIR STACK Name=Value...

ZIPS_DIR holds <function>/bootstrap.zip (cargo lambda build --output-format zip); the
function of each logical id comes from its CodeUri (../functions/<function>) in SAM_TEMPLATE.
Credentials are moto's test ones; nothing here can reach real AWS (the endpoint is given).
"""

import io
import json
import os
import stat
import sys
import zipfile

import boto3
from samtranslator.yaml_helper import yaml_parse

BUCKET = "igconnect-artifacts"
# The region of the emulated account (the test passes its own, as the SDK variable).
REGION = os.environ.get("AWS_REGION", "eu-west-1")


def client(service: str, endpoint: str):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


# How each bucket property of a template reads back from S3 (None: nothing there). A
# property missing here is reported as not applied, so a new one is looked at, not assumed.
def _read(call, key=None):
    def read(s3, bucket):
        try:
            answer = call(s3, bucket)
        except s3.exceptions.ClientError:
            return None
        answer.pop("ResponseMetadata", None)
        return (answer.get(key) if key else answer) or None
    return read


BUCKET_PROPERTIES = {
    "BucketEncryption": _read(
        lambda s3, b: s3.get_bucket_encryption(Bucket=b), "ServerSideEncryptionConfiguration"
    ),
    "PublicAccessBlockConfiguration": _read(
        lambda s3, b: s3.get_public_access_block(Bucket=b), "PublicAccessBlockConfiguration"
    ),
    "OwnershipControls": _read(
        lambda s3, b: s3.get_bucket_ownership_controls(Bucket=b), "OwnershipControls"
    ),
    "LifecycleConfiguration": _read(
        lambda s3, b: s3.get_bucket_lifecycle_configuration(Bucket=b), "Rules"
    ),
    "CorsConfiguration": _read(lambda s3, b: s3.get_bucket_cors(Bucket=b), "CORSRules"),
    "NotificationConfiguration": _read(
        lambda s3, b: s3.get_bucket_notification_configuration(Bucket=b)
    ),
    "VersioningConfiguration": _read(lambda s3, b: s3.get_bucket_versioning(Bucket=b), "Status"),
}


def bucket_report(s3, name: str, properties: dict) -> dict:
    """What S3 shows of a bucket the stack made, against the template's properties."""
    s3.head_bucket(Bucket=name)
    not_applied = sorted(
        prop
        for prop in properties
        # The name is the bucket's physical id, checked by its existence.
        if prop != "BucketName"
        and (prop not in BUCKET_PROPERTIES or BUCKET_PROPERTIES[prop](s3, name) is None)
    )
    encryption = BUCKET_PROPERTIES["BucketEncryption"](s3, name) or {}
    algorithms = [
        r.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm")
        for r in encryption.get("Rules", [])
    ]
    return {
        "name": name,
        "encryption": algorithms,
        "not_applied_by_moto": not_applied,
    }


def functions_of(sam_template: str) -> dict[str, str]:
    """Logical id -> workspace function name, from each function's CodeUri."""
    with open(sam_template, encoding="utf-8") as f:
        template = yaml_parse(f.read())
    found = {}
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        code = (resource.get("Properties") or {}).get("CodeUri", "")
        found[logical_id] = os.path.basename(str(code).rstrip("/"))
    return found


def main() -> int:
    if len(sys.argv) < 7:
        print(__doc__, file=sys.stderr)
        return 2
    endpoint, sam_template, translated, zips, work, stack, *pairs = sys.argv[1:]
    s3 = client("s3", endpoint)
    cfn = client("cloudformation", endpoint)
    lam = client("lambda", endpoint)

    functions = functions_of(sam_template)
    # us-east-1 is S3's default location, which refuses to be named.
    placement = {} if REGION == "us-east-1" else {
        "CreateBucketConfiguration": {"LocationConstraint": REGION}
    }
    try:
        s3.create_bucket(Bucket=BUCKET, **placement)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    for logical_id, name in functions.items():
        path = os.path.join(zips, name, "bootstrap.zip")
        if not os.path.isfile(path):
            print(f"missing {path}: cargo lambda build --release --output-format zip", file=sys.stderr)
            return 1
        s3.upload_file(path, BUCKET, f"{logical_id}.zip")

    with open(translated, encoding="utf-8") as f:
        body = f.read()
    parameters = [
        {"ParameterKey": k, "ParameterValue": v}
        for k, v in (pair.split("=", 1) for pair in pairs)
    ]
    cfn.create_stack(
        StackName=stack,
        TemplateBody=body,
        Parameters=parameters,
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    # Types moto's CloudFormation does not model (the HTTP API, alarms, event invoke
    # configs) are accepted and left out of the stack's resources: the test says which.
    resources = {
        r["LogicalResourceId"]: {
            "physical": r.get("PhysicalResourceId", ""),
            "type": r["ResourceType"],
        }
        for r in cfn.describe_stack_resources(StackName=stack)["StackResources"]
        if "LogicalResourceId" in r
    }
    declared = json.loads(body).get("Resources", {})
    not_modelled = sorted(
        {declared[r]["Type"] for r in declared if r not in resources}
    )

    deployed = {}
    for logical_id, name in functions.items():
        physical = resources.get(logical_id, {}).get("physical")
        if not physical:
            print(f"the stack made no {logical_id}", file=sys.stderr)
            return 1
        config = lam.get_function_configuration(FunctionName=physical)
        concurrency = lam.get_function_concurrency(FunctionName=physical)
        # The zip as moto's S3 holds it, unpacked: the binary the test runs.
        code = s3.get_object(Bucket=BUCKET, Key=f"{logical_id}.zip")["Body"].read()
        target = os.path.join(work, name)
        os.makedirs(target, exist_ok=True)
        with zipfile.ZipFile(io.BytesIO(code)) as z:
            z.extract("bootstrap", target)
        binary = os.path.join(target, "bootstrap")
        os.chmod(binary, os.stat(binary).st_mode | stat.S_IXUSR)
        # Lambda's environment is strings; moto hands a Number parameter's default on as a
        # number (CloudFormation passes every parameter value as a string).
        variables = (config.get("Environment") or {}).get("Variables", {})
        deployed[name] = {
            "logical_id": logical_id,
            "function_name": physical,
            "environment": {k: v if isinstance(v, str) else json.dumps(v) for k, v in variables.items()},
            "memory": config.get("MemorySize"),
            "timeout": config.get("Timeout"),
            "handler": config.get("Handler"),
            "runtime": config.get("Runtime"),
            "reserved_concurrency": concurrency.get("ReservedConcurrentExecutions"),
            "bootstrap": binary,
        }

    buckets = {
        logical_id: bucket_report(
            s3, resources[logical_id]["physical"], declared[logical_id].get("Properties", {})
        )
        for logical_id, r in resources.items()
        if r["type"] == "AWS::S3::Bucket"
    }

    json.dump(
        {
            "status": described["StackStatus"],
            "outputs": {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])},
            "resources": resources,
            "not_modelled_by_moto": not_modelled,
            "functions": deployed,
            "buckets": buckets,
        },
        sys.stdout,
        indent=1,
        sort_keys=True,
    )
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
