# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The connection options shared by every module that talks to the AutoDNS JSON API.
    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - Base URL of the AutoDNS JSON API, including the version path.
      - Use V(https://api.demo.autodns.com/v1) with O(context=1) for the InterNetX demo system.
      - If not set, the value of the environment variable E(AUTODNS_API_URL) is used, else the live API. An empty string is refused.
    type: str
    default: https://api.autodns.com/v1
  username:
    description:
      - The API user.
      - If not set, the value of the environment variable E(AUTODNS_USERNAME) is used. An empty string is refused.
      - Certificates belong to the SSL Manager user; zones belong to the AutoDNS user.
    type: str
    required: true
  password:
    description:
      - The API user's password. It never appears in any output.
      - If not set, the value of the environment variable E(AUTODNS_PASSWORD) is used. An empty string is refused.
    type: str
    required: true
  context:
    description:
      - The user's context, sent as the C(X-Domainrobot-Context) header.
      - SSL Manager users usually have context V(9); AutoDNS users V(4) or their Personal AutoDNS context; the demo system uses V(1).
      - If not set, the value of the environment variable E(AUTODNS_CONTEXT) is used.
    type: int
    default: 4
  validate_certs:
    description:
      - Whether to verify the API's TLS certificate. Only switch this off for a test server.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for one HTTP answer of the API.
      - Calls that are safe to repeat are retried on timeouts, connection errors, HTTP 408, 429 and 5xx, with backoff, for up to a minute.
    type: int
    default: 30
notes:
  - The modules keep to the API's limit of 3 requests per second across all module processes of the controller,
    so loops, forks and async tasks can run at once.
  - Every request carries a fresh C(X-Domainrobot-Ctid); errors name the API's codes and the server transaction id (stid).
requirements:
  - requests
"""
