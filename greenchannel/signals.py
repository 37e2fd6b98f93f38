"""What the green channel tells the rest of the system, without knowing who listens.

``filing_event_committed`` is sent once for every ``FilingEvent`` (a step of ours, one the
other side reported, a pass issued or revoked) after the transaction that wrote it has
committed, with ``event=`` the row. The live board listens to show filings as they move.
"""

from django.dispatch import Signal

filing_event_committed = Signal()
