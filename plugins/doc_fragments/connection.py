# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment:
    # The connection options of every module; plugins/module_utils/client/options.py and module_support/arguments.py define them.
    DOCUMENTATION = r'''
options:
  api_url:
    description:
      - Address of the OCP server, with scheme and port, without the API path, for example C(https://ocp.example.com:8080).
      - Required. If not set, the value of the E(OCP_URL) environment variable is used.
      - It must not hold a user name or password (C(https://user:password@host)), a query string or a fragment;
        give the credentials as O(username) and O(password).
    type: str
  username:
    description:
      - OCP user for HTTP Basic authentication. The credentials are sent with every request, since OCP does not ask for them.
      - Give either O(username) and O(password), or O(access_key_id) and O(access_key_secret).
      - If not set, the value of the E(OCP_USERNAME) environment variable is used.
      - The kind of credentials a task gives wins over the other kind in the environment - a task with
        O(access_key_id) and O(access_key_secret) ignores E(OCP_USERNAME) and E(OCP_PASSWORD), and the
        other way round; a kind the task gives only half of is completed from the environment.
      - An empty value, here or in any E(OCP_*) variable, counts as not set; so an AWX credential that sets
        every E(OCP_*) variable, empty for the fields left blank, can carry either kind of credentials.
    type: str
  password:
    description:
      - Password of O(username).
      - If not set, the value of the E(OCP_PASSWORD) environment variable is used.
      - Never logged or shown in results.
    type: str
  access_key_id:
    description:
      - ID of an OCP access key (OCP 4.x). Requests are then signed with the key's secret (C(OCP-ACCESS-KEY-HMACSHA1)) instead of sending a password.
      - Use this where OCP has HTTP Basic authentication switched off.
      - The clock of the host running the module must be within 15 minutes of the OCP server's clock.
      - If not set, the value of the E(OCP_ACCESS_KEY_ID) environment variable is used.
    type: str
  access_key_secret:
    description:
      - Secret of O(access_key_id).
      - If not set, the value of the E(OCP_ACCESS_KEY_SECRET) environment variable is used.
      - Never logged or shown in results.
    type: str
  validate_certs:
    description:
      - Whether to verify OCP's TLS certificate when O(api_url) uses C(https).
      - Set to V(false) only on a trusted network, for example with a self-signed test certificate; prefer O(ca_path).
      - If not set, the value of the E(OCP_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of the certificate authorities to trust for OCP's certificate, instead of the system ones.
      - If not set, the value of the E(OCP_CA_PATH) environment variable is used.
    type: path
  request_timeout:
    description:
      - Seconds to wait for OCP to accept a connection and, then, for each part of its answer.
      - A finite number above 0; every number option of this collection refuses NaN and infinity.
      - If not set, the value of the E(OCP_REQUEST_TIMEOUT) environment variable is used.
    type: float
    default: 30
  request_retries:
    description:
      - How many times a read request (GET) is sent again after a connection error or an HTTP 429, 502, 503 or 504 answer, waiting longer each time.
      - Actions (POST) are never sent again, since they may have reached OCP; after a connection error the module reports that the action's outcome is unknown.
      - V(0) disables retries.
      - If not set, the value of the E(OCP_REQUEST_RETRIES) environment variable is used.
    type: int
    default: 3
notes:
  - Requests go through the proxy named by the E(HTTPS_PROXY), E(HTTP_PROXY) and E(NO_PROXY) environment variables, if set.
  - Error results include the C(traceId) OCP gave the failed request; quote it to OCP support.
requirements:
  - requests
'''
