# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Callback for the benchmarks: when each task, and each loop item, ended (wall clock, seconds).

Enabled only by bench/common.py (ANSIBLE_CALLBACKS_ENABLED=bench_timing); it writes a JSON list
of {"name", "start", "end", "items": [end of each item]} to the file named by BENCH_TIMINGS_FILE.
Item ends give the cost of each call of a loop, without the fixed cost of starting the task.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
    name: bench_timing
    type: aggregate
    short_description: record when each task and loop item ends, for bench/
    description:
      - Writes task and loop item end times as JSON to the file named by BENCH_TIMINGS_FILE.
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timing'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._tasks = []

    def _current(self):
        return self._tasks[-1] if self._tasks else None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._tasks.append(dict(name=task.get_name(), start=time.time(), end=None, items=[]))

    def _task_result(self, *_args, **_kwargs):
        current = self._current()
        if current is not None:
            current['end'] = time.time()

    def _item_result(self, *_args, **_kwargs):
        current = self._current()
        if current is not None:
            current['items'].append(time.time())

    v2_runner_on_ok = v2_runner_on_failed = v2_runner_on_skipped = v2_runner_on_unreachable = _task_result
    v2_runner_item_on_ok = v2_runner_item_on_failed = v2_runner_item_on_skipped = _item_result

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get('BENCH_TIMINGS_FILE')
        if path:
            with open(path, 'w') as timings:
                json.dump(self._tasks, timings)
