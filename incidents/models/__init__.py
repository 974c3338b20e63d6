"""Incidents models, one module per feature; importing this package registers them all."""

from incidents.models.incidents import Evidence, Incident, TimelineEntry, Timestamp  # noqa: F401
from incidents.models.messages import (  # noqa: F401
    LocalOutbox,
    Message,
    Notice,
    NoticePolicy,
    NoticeTemplate,
    Receipt,
    StepConfig,
)
from incidents.models.oncall import OnCallShift, OnCallTeam, Page  # noqa: F401
from incidents.models.requests import (  # noqa: F401
    RequestEvent,
    RequestType,
    ServicePrice,
    ServiceRequest,
)
from incidents.models.workorders import (  # noqa: F401
    ServiceType,
    Technician,
    WorkOrder,
    WorkOrderAction,
)
