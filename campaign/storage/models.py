"""Every mapped model, imported so that ``metadata`` is complete for Alembic and for tests."""

import campaign.organizer.models  # noqa: F401,E402,I001

# Each area keeps its models beside its domain code; they are registered here.
import campaign.signatures.models  # noqa: F401,E402,I001
from campaign.storage import audit  # noqa: F401
from campaign.storage.base import Base

metadata = Base.metadata
