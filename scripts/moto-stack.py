#!/usr/bin/env python3
"""Deploys the translated SAM template on moto's CloudFormation, as `sam deploy` would.

Uploads each function's release zip to the artifacts bucket under the key the translation
names (scripts/translate-template.py writes s3://igconnect-artifacts/<LogicalId>.zip),
creates the stack with the parameters given, and prints what the stack made as JSON: its
status, outputs, resources (logical id -> physical id and type) and, for each function, its
name, environment, memory, timeout and reserved concurrency as moto's Lambda reports them,
with the path of the `bootstrap` binary unpacked from the zip moto's S3 holds (so what the
test runs is what was uploaded).

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
        deployed[name] = {
            "logical_id": logical_id,
            "function_name": physical,
            "environment": (config.get("Environment") or {}).get("Variables", {}),
            "memory": config.get("MemorySize"),
            "timeout": config.get("Timeout"),
            "handler": config.get("Handler"),
            "runtime": config.get("Runtime"),
            "reserved_concurrency": concurrency.get("ReservedConcurrentExecutions"),
            "bootstrap": binary,
        }

    json.dump(
        {
            "status": described["StackStatus"],
            "outputs": {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])},
            "resources": resources,
            "not_modelled_by_moto": not_modelled,
            "functions": deployed,
        },
        sys.stdout,
        indent=1,
        sort_keys=True,
    )
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
