#!/usr/bin/env python3
"""Translates a SAM template to plain CloudFormation with aws-sam-translator, offline.

The translator asks IAM (ListPolicies) for the ARN of each AWS managed policy a function's
`Policies` names by its bare name. No AWS credentials are wanted here, so this supplies that
map itself. The template names none today (its policies are inline, and the ones SAM adds
itself, AWSLambdaBasicExecutionRole and AWSXrayWriteOnlyAccess, need no look-up); a name
the map lacks fails the translation, so naming one in the template means adding it here.

Usage: translate-template.py TEMPLATE OUTPUT [Name=Value ...]
"""

import json
import os
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

# Managed policies a function may name by their bare name, with their ARNs.
MANAGED_POLICIES = {
    "AWSLambdaBasicExecutionRole": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "AWSXrayWriteOnlyAccess": "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
}


class OfflinePolicies:
    """The loader interface samtranslator calls instead of IAM's ListPolicies."""

    def load(self) -> dict[str, str]:
        return MANAGED_POLICIES


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    source, output, *pairs = sys.argv[1:]
    with open(source, encoding="utf-8") as f:
        template = yaml_parse(f.read())
    # `sam package` uploads each function's local CodeUri and writes the S3 location in its
    # place; the translator only accepts the latter, so stand in for that step.
    for logical_id, resource in template.get("Resources", {}).items():
        properties = resource.get("Properties") or {}
        code = properties.get("CodeUri")
        if resource.get("Type") == "AWS::Serverless::Function" and isinstance(code, str):
            if not code.startswith("s3://"):
                properties["CodeUri"] = f"s3://igconnect-artifacts/{logical_id}.zip"
    parameters = dict(pair.split("=", 1) for pair in pairs)
    # The translator fills AWS::Region in ARNs it builds; any region does for a scan.
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
    # passthrough_metadata: each function's Metadata (its checkov skips and their reasons)
    # stays on the AWS::Lambda::Function it becomes, so the scanner reads them there.
    translated = transform(template, parameters, OfflinePolicies(), passthrough_metadata=True)
    with open(output, "w", encoding="utf-8") as f:
        json.dump(translated, f, indent=1, sort_keys=True)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
