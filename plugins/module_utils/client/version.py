# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

# Sent in the User-Agent so OCP operators can tell our traffic apart; keep in step with galaxy.yml.
COLLECTION_VERSION = "1.0.0"
