"""A nurse task from an order (orders.NurseTask) ↔ FHIR Task.

Versions: 1 as made from the order (ready); 2 when it was done (completed, with the result) or
cancelled. A task's status only ever changes once, so these are all the versions it has had.
"""

from digifys.orders.models import NurseTask

from .. import codes

STATUS = {
    NurseTask.Status.OPEN: "ready",
    NurseTask.Status.DONE: "completed",
    NurseTask.Status.CANCELLED: "cancelled",
}


def _version(task: NurseTask, final: bool) -> dict:
    order = task.order
    status = STATUS[task.status] if final else "ready"
    changed = task.completed_at if final and task.completed_at else order.created_at
    data = {
        "resourceType": "Task",
        "id": str(task.pk),
        "meta": {"lastUpdated": changed.isoformat()},
        "status": status,
        "intent": "order",
        "code": {
            "coding": [{"system": codes.LOCAL, "code": order.kind}],
            "text": str(order.get_kind_display()),
        },
        "description": order.instructions,
        "basedOn": [{"reference": f"ServiceRequest/{order.pk}"}],
        "for": {"reference": f"Patient/{task.resident_id}"},
        "authoredOn": order.created_at.isoformat(),
        "requester": {"reference": f"PractitionerRole/{order.ordered_by_id}"},
        "owner": {"reference": f"Organization/{task.unit_id}"},
        "restriction": {"period": {"end": task.due_at.isoformat()}},
    }
    if final and task.status != NurseTask.Status.OPEN:
        data["lastModified"] = changed.isoformat()
        if task.completed_by_id:
            data["executionPeriod"] = {"end": changed.isoformat()}
        output = []
        if task.result:
            output.append(
                {
                    "type": {"coding": [{"system": codes.LOCAL, "code": "result"}]},
                    "valueString": task.result,
                }
            )
        if task.observation_id:
            output.append(
                {
                    "type": {"coding": [{"system": codes.LOCAL, "code": "vital-signs"}]},
                    "valueReference": {"reference": f"Observation/{task.observation_id}-panel"},
                }
            )
        if output:
            data["output"] = output
    return data


def to_fhir(task: NurseTask) -> dict:
    return _version(task, True)


def history(task: NurseTask) -> list[dict]:
    if task.status == NurseTask.Status.OPEN:
        return [_version(task, True)]
    return [_version(task, False), _version(task, True)]
