# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ocp_task_events: an ansible-rulebook event source of OceanBase Cloud Platform (OCP) task changes.

The plugin is thin: the polling, the events and their keys, and the checkpoint live in the
collection's plugins/plugin_utils/task_events/ (watcher.py, events.py, checkpoint.py,
source_loop.py), where unit tests run them with a fake OCP and a fake clock.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import asyncio
import json
import os
import sys

DOCUMENTATION = r"""
---
short_description: Events from OceanBase Cloud Platform (OCP) tasks
description:
  - Polls the OCP task list and puts one event per change of a task on the rulebook's queue, under the key
    C(ocp) (C(event.ocp.type) in conditions) - C(task_started), C(subtask_failed) (with the subtask's name,
    description, host and the log lines that say why), C(subtask_running_long), C(task_failed),
    C(task_succeeded), C(task_rolled_back), C(task_unreadable) (what OCP answered about the task is malformed;
    the others are watched as ever), and C(ocp_unreachable)/C(ocp_reachable) around an outage.
  - A quiet poll is one list query, of the RUNNING and FAILED tasks; tasks that ended cost one more list query,
    and a task is read in detail only when its entry shows a failure, an end other than a clean success, or a
    subtask under a O(running_long) limit; a subtask log is read once per run.
  - Every event has a C(key) naming what changed (task, subtask, run, state) and is put once. With
    O(checkpoint), a restarted source tells what changed while it was down (C(catch_up=true)) and nothing twice.
  - Connection options fall back on the same C(OCP_*) environment variables as the collection's modules, so
    an EDA credential of type C(extensions/eda/credential_types/ocp_eda.yml) (environment injectors) is enough.
  - OCP unreachable, or answering 429 or 5xx, is polled again with a backoff (at least C(Retry-After)); refused
    credentials or permissions (401, 403) stop the source with a message.
options:
  api_url:
    description: Base URL of OCP, for example C(https://ocp.example.com:8080). Default C(OCP_URL).
    type: str
  username:
    description: OCP user (HTTP Basic). Default C(OCP_USERNAME).
    type: str
  password:
    description: Password of O(username). Default C(OCP_PASSWORD).
    type: str
  access_key_id:
    description: OCP access key (AK/SK signed requests), instead of a username. Default C(OCP_ACCESS_KEY_ID).
    type: str
  access_key_secret:
    description: Secret of O(access_key_id). Default C(OCP_ACCESS_KEY_SECRET).
    type: str
  validate_certs:
    description: Check OCP's TLS certificate. Default C(OCP_VALIDATE_CERTS), else true.
    type: bool
  ca_path:
    description: CA bundle that signed OCP's certificate. Default C(OCP_CA_PATH).
    type: str
  request_timeout:
    description: Seconds to wait for one answer. Default C(OCP_REQUEST_TIMEOUT), else 30.
    type: float
  request_retries:
    description: Times a failed GET is sent again within one poll. Default C(OCP_REQUEST_RETRIES), else 3.
    type: int
  interval:
    description: Seconds between the starts of two polls.
    type: float
    default: 10
  filters:
    description:
      - Watch only the tasks these OCP list filters select (a mapping of filter to value).
      # BEGIN task filters: written by `make docs` from plugins/module_utils/tasks/filters.py
      - The filters are those of the task_supervisor role's C(task_supervisor_filter) but C(status), that is C(name),
        C(type) (C(MANUAL), C(SYS_ONECE), C(SCHEDULED), C(SYS_SCHEDULED)), C(cluster_name), C(cluster_id),
        C(tenant_name), C(tenant_id), C(host_id).
      # END task filters
    type: dict
  running_long:
    description:
      - Limits for C(subtask_running_long) - a list of C({name, seconds}), C(name) a regular expression searched
        in the subtask name. The first rule naming a running subtask applies; the event comes once per run.
    type: list
    elements: dict
  checkpoint:
    description:
      - File where the source keeps what it has told, written atomically after each poll that changed it.
        A restarted source then tells what changed while it was down, marked C(catch_up), and nothing twice.
      - The source checks at its start, before its first poll, that it can write there, and stops if not. A symbolic
        link at the path is refused, never followed nor replaced.
      - Without it, each start is a first start.
    type: str
  initial_events:
    description:
      - What a first start (no checkpoint yet) tells of the tasks OCP already shows - C(none), or C(failures)
        (a C(task_failed) and C(subtask_failed) per task FAILED at that moment, marked C(initial)). Never the
        whole history.
    type: str
    choices: [none, failures]
    default: none
  sweep_every:
    description:
      - Every this many polls, one more list query finds the tasks that started and ended between two polls
        (they never show as RUNNING). 0 never looks for them.
    type: int
    default: 6
  max_backoff:
    description: Longest pause, in seconds, between polls while OCP does not answer.
    type: float
    default: 300
  log_lines:
    description: How many lines of a failed run's log a C(subtask_failed) event carries.
    type: int
    default: 10
"""

EXAMPLES = r"""
- name: OCP task events
  hosts: all
  sources:
    - oceanbase.ocp.ocp_task_events:
        interval: 10
        checkpoint: /var/lib/eda/ocp_task_events.json
        filters:
          cluster_name: obcluster
        running_long:
          - name: "^Install OCP agent$"
            seconds: 1200
  rules:
    - name: A task failed
      condition: event.ocp.type == "task_failed"
      action:
        debug:
          msg: "Task {{ event.ocp.task.id }} failed at {{ event.ocp.failed_subtasks[0].name }}"
"""


def _make_collection_importable():
    """ansible-rulebook runs a source plugin by its path (runpy.run_path), without Ansible's
    collection loader: the collection's code imports only when the directory holding its
    ``ansible_collections`` folder is on sys.path. That directory is found from this file's own
    place (<root>/ansible_collections/oceanbase/ocp/extensions/eda/plugins/event_source/), so the
    plugin always runs its own collection's code, whichever collection path it was found in."""
    collection = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..'))
    namespace = os.path.dirname(collection)
    package_root = os.path.dirname(namespace)
    if (os.path.basename(collection), os.path.basename(namespace), os.path.basename(package_root)) != (
            'ocp', 'oceanbase', 'ansible_collections'):
        raise ImportError('ocp_task_events must run from an installed oceanbase.ocp collection (a path ending in '
                          'ansible_collections/oceanbase/ocp), not from %s' % collection)
    root = os.path.dirname(package_root)
    if root not in sys.path:
        sys.path.insert(0, root)


_make_collection_importable()

# pylint: disable-next=wrong-import-position
from ansible_collections.oceanbase.ocp.plugins.plugin_utils.task_events.source_loop import run_source  # noqa: E402


async def main(queue, args):
    """Put OCP task events on ``queue`` until stopped; ``args`` are the rulebook's (see DOCUMENTATION)."""
    await run_source(queue, args, os.environ)


if __name__ == '__main__':
    # Runnable on its own: prints the events. Arguments as JSON (connection from OCP_* as usual):
    #   OCP_URL=http://127.0.0.1:8080 OCP_USERNAME=admin OCP_PASSWORD=... python ocp_task_events.py '{"interval": 5}'

    class MockQueue:
        """Prints each event instead of handing it to rules."""

        async def put(self, event):
            print(json.dumps(event, sort_keys=True), flush=True)

    try:
        asyncio.run(main(MockQueue(), json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}))
    except KeyboardInterrupt:
        pass
