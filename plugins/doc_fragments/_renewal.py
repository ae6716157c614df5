# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The options that decide whether a certificate is due and which order its renewal is, shared by every module
    # that makes or predicts that decision, so that they all decide alike.
    DOCUMENTATION = r"""
options:
  remaining_days:
    description:
      - A certificate is due when it expires in this many days or fewer, or when AutoDNS reports that it must be reissued.
      - Also the margin for O(order=auto) (see there).
    type: int
    default: 30
  order:
    description:
      - Which order gets a due certificate a fresh certificate.
      - V(reissue) (C(PUT /certificate/{id})) issues a new certificate within the paid term, at no cost. It keeps the term and
        the validation method, and fails when the term has ended.
      - V(renew) (C(PUT /certificate/{id}/_renew)) buys and bills a new term. While the paid term outlives the certificate by
        more than O(remaining_days) days, it also needs C(force=true) (see M(autodns.ssl.certificate_renew)).
      - V(auto) reissues when the paid term (the API's C(payable)) outlives the certificate's expiry by more than O(remaining_days)
        days, or when AutoDNS reports that a reissue is required (and the term still runs), and renews otherwise. Where the API
        reports no C(payable), V(auto) renews unless a reissue is required.
    type: str
    choices: [auto, renew, reissue]
    default: auto
"""
