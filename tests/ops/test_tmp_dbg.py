import time
from tests.ops import state
from tests.ops.conftest import *  # noqa
from tests.dispatch.accept import accept

def test_dbg(procs, fresh_db, tmp_path):
    total = 2000
    tenant = state.tenant(fresh_db, tmp_path)
    state.with_services(fresh_db, tmp_path, lambda s: accept(s, tenant, total))
    with simulator_thread(latency_ms=20, record=False) as sim:
        options = {"host": "127.0.0.1", "port": sim.port, "system_id": "smscast", "password": "pw"}
        state.add_connector(fresh_db, tmp_path, "sim", "smpp", options)
        env = env_for(fresh_db, tmp_path)
        first = procs.smscast("worker-1", "worker", env=env)
        wait_until(lambda: state.final_count(state.statuses(fresh_db, tmp_path)) >= 200, STARTUP_S)
        print("before term", state.statuses(fresh_db, tmp_path), dict(sim.stats))
        code, _ = first.terminate(EXIT_WITHIN_S)
        print("after term", code, state.statuses(fresh_db, tmp_path), dict(sim.stats))
        print(first.output[-3000:])
        from sqlalchemy import func, select, text
        async def look(s):
            async with s.db.begin() as conn:
                print("pending_receipts", (await conn.execute(text("select count(*) from pending_receipts"))).scalar())
                print("parts by state", (await conn.execute(text("select state, count(*) from message_parts group by state"))).all())
                print("sent msgs without parts", (await conn.execute(text("select count(*) from messages m where status='sent' and not exists (select 1 from message_parts p where p.message_id=m.id)"))).scalar())
        state.with_services(fresh_db, tmp_path, look)
        second = procs.smscast("worker-2", "worker", env=env)
        for i in range(3):
            time.sleep(3)
            print(i, state.statuses(fresh_db, tmp_path), dict(sim.stats), sim.pending_receipts, flush=True)
        second.terminate(EXIT_WITHIN_S)
        print(second.output[-2000:])
