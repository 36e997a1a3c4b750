#!/usr/bin/env bash
# Regenerates the Python client in this directory from the published OpenAPI document with
# a standard generator (openapi-python-client), run from a throwaway venv, and records the
# sha256 of the document it was made from (tests/integration/api/test_generated_client.py
# fails while that is not the current document's). Run from the repository's root:
#     bash tests/data/openapi_client/generate.sh
set -euo pipefail
here=tests/data/openapi_client
venv=$(mktemp -d /tmp/openapi-client-venv.XXXXXX)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet "openapi-python-client==0.29.1"
rm -rf "$here/compliance_regulator_client"
"$venv/bin/openapi-python-client" generate --path schemas/openapi.json --meta none \
  --output-path "$here/compliance_regulator_client"
sha256sum schemas/openapi.json | cut -d' ' -f1 > "$here/document.sha256"
