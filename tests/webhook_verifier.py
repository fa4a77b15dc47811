"""Verifies igconnect's webhook deliveries with the Standard Webhooks reference library
(`standardwebhooks` from PyPI, pinned in scripts/requirements.txt), so the black-box tests
prove that a receiver's off-the-shelf verifier accepts them, not that igconnect agrees with
itself.

One JSON object per line on stdin: {"secret": "whsec_...", "headers": {...}, "body": "<base64
of the raw body>"}. One line per request on stdout: "ok" or "refused: <why>".
"""

import base64
import json
import sys

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

for line in sys.stdin:
    request = json.loads(line)
    try:
        Webhook(request["secret"]).verify(base64.b64decode(request["body"]), request["headers"])
        answer = "ok"
    except WebhookVerificationError as e:
        answer = f"refused: {e}"
    except Exception as e:  # a malformed secret or body: refused too, with its reason
        answer = f"refused: {type(e).__name__}: {e}"
    print(answer, flush=True)
