#!/usr/bin/env bash
# Validates assets/openapi.yaml with openapi-spec-validator (PyPI), an outside reader of the spec: our own
# tests check it against the router, this checks it is an OpenAPI document at all. It also catches YAML
# flow mappings whose unquoted commas silently make extra keys.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.build-checks/venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
# The environment is shared with the other checks (schemathesis.sh), so look for the module, not the directory.
"$venv/bin/python" -c 'import openapi_spec_validator, yaml' 2>/dev/null || "$venv/bin/pip" install -q openapi-spec-validator==0.7.1 PyYAML
"$venv/bin/python" - <<'PY'
import sys, yaml
from openapi_spec_validator import validate
document = yaml.safe_load(open("assets/openapi.yaml"))
def stray(node, path):
    if isinstance(node, dict):
        for key, value in node.items():
            if value is None and isinstance(key, str) and " " in key:
                sys.exit(f"assets/openapi.yaml: {path}/{key!r} looks like a description cut at a comma")
            stray(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            stray(value, f"{path}[{index}]")
stray(document, "")
validate(document)
operations = sum(1 for item in document["paths"].values() for method in item if method in ("get", "put", "post", "delete"))
print(f"assets/openapi.yaml: a valid OpenAPI {document['openapi']} document, {operations} operations")
PY
