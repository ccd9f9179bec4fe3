# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""log_search.search without its child process, for tests whose patterns are trusted to end quickly."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.oceanbase.ocp.plugins.plugin_utils.supervision import log_search


def search_in_process(patterns, lines):
    cut = log_search.bounded_lines(lines)
    return log_search.SearchResult([pattern for pattern in patterns if any(pattern.search(line) for line in cut)], [])
