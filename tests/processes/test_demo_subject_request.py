import pytest

pytestmark = pytest.mark.filterwarnings(r"ignore:The Result.tuples\(\) method is deprecated")
from datetime import timedelta, datetime, UTC
from tests.factories import login, home_organisation
from webapp.services.instances import start_process, view_instance
from webapp.services.tasks import complete_task, list_inbox, open_task
from webapp.services.timers import fire_due_timers
from webapp.persistence.models import Job, ProcessInstance, AuditEvent


def setup(ctx, received="2026-11-02"):
    h = login(ctx, "hulpverlener")
    r = start_process(ctx, h, "demo_subject_request", home_organisation(h))
    res = complete_task(
        ctx, h, r.next_task_id, {"ontvangen_op": received, "recht": "inzage", "omschrijving": "x"}
    )
    return h, r.instance_id, res.next_task_id


def test_both(ctx, clock):
    h, iid, tid = setup(ctx)
    clock.set(datetime(2027, 1, 1, tzinfo=UTC))
    print("fired", fire_due_timers(ctx))
    v = view_instance(ctx, h, iid)
    for line in v.history:
        print(line)
    print([(t.name, t.state) for t in v.tasks], v.status)
    print("fired again", fire_due_timers(ctx))
    v = view_instance(ctx, h, iid)
    print([(t.name, t.state) for t in v.tasks], v.status)


def test_exact(ctx, clock):
    h, iid, tid = setup(ctx)
    clock.set(datetime(2026, 11, 23, 22, 59, 59, tzinfo=UTC))
    print("fired exact", fire_due_timers(ctx))
    print("fired exact", fire_due_timers(ctx))
    v = view_instance(ctx, h, iid)
    for line in v.history:
        print(line)


def test_holiday(ctx, clock):
    h, iid, tid = setup(ctx, "2026-11-28")
    f = open_task(ctx, h, tid)
    print(f.task.due_at, f.task.due_rule)
    with ctx.db.read() as s:
        print(s.query(Job).all()[0].due_at)
    with pytest.raises(Exception) as e:
        complete_task(ctx, h, tid, {"besluit": "x", "extra": 1})
    print(e.value, getattr(e.value, "errors", None))
    with pytest.raises(Exception) as e:
        complete_task(ctx, h, tid, {"besluit": "weigeren", "identiteit_vastgesteld": True})
    print(e.value, getattr(e.value, "errors", None))
    res = complete_task(
        ctx, h, tid, {"besluit": "weigeren", "identiteit_vastgesteld": True, "motivering": "m"}
    )
    print(res)
    with pytest.raises(Exception) as e:
        complete_task(
            ctx, h, res.next_task_id, {"verzonden_op": "2026-12-01", "wijst_op_ap_en_rechter": False}
        )
    print(e.value, getattr(e.value, "errors", None))
    with pytest.raises(Exception) as e:
        complete_task(
            ctx, h, res.next_task_id, {"verzonden_op": "01-12-2026", "wijst_op_ap_en_rechter": True}
        )
    print(e.value, getattr(e.value, "errors", None))
    r2 = complete_task(
        ctx, h, res.next_task_id, {"verzonden_op": "2026-12-01", "wijst_op_ap_en_rechter": True}
    )
    print(r2)
    with pytest.raises(Exception) as e:
        complete_task(
            ctx,
            login(ctx, "collega"),
            res.next_task_id,
            {"verzonden_op": "2026-12-01", "wijst_op_ap_en_rechter": True},
        )
    print(repr(e.value), e.value.completed_by)
    rub = login(ctx, "rubicon")
    for fn in (
        lambda: open_task(ctx, rub, tid),
        lambda: view_instance(ctx, rub, iid),
        lambda: complete_task(ctx, rub, tid, {}),
    ):
        with pytest.raises(Exception) as e:
            fn()
        print(repr(e.value))
    with ctx.db.read() as s:
        for a in s.query(AuditEvent).filter(AuditEvent.result == "denied"):
            print(a.event, a.actor_id, a.task_id, a.process_instance_id, a.reason, a.object_type, a.object_id)
