"""`/statistik` in the staff group: this month so far and last month, protected as the report.

Last month is a month like any in a report, and reads the same. This month is still running,
so asking twice would tell what happened in between: it shows only the three totals (under 5 as
"< 5"), of which the staff group sees the reports and hand-offs in its topics anyway; the "did it
help" answers, which a consultant could tie to a conversation just ended, wait for the month to
end.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from bot.core.store import Store
from bot.stats.period import month_of, previous_month
from bot.stats.query import FEEDBACK_POP, HANDOFFS, REPORTS, STARTED_POP, read
from bot.stats.suppress import Cell
from bot.stats.tables import ALL_HOURS, publish
from flows.engine import Reply
from flows.triage import RED

TEMPLATE: Final = "desk/statistics"


def cell_variables(cell: Cell) -> dict[str, Any]:
    """A cell as a template reads it: its mark (shown, small, hidden) and a shown value."""
    return {"mark": str(cell.mark), "value": cell.value}


def statistics_reply(store: Store, now: datetime) -> Reply:
    db = store.db.conn
    this = month_of(now)
    last = previous_month(this)
    running = publish(read(db, [this]))
    ended = publish(read(db, [last]))
    this_month = {"month": this, **{
        key: cell_variables(running.totals[population][this])
        for key, population in (("started", STARTED_POP), ("reports", REPORTS),
                                ("handoffs", HANDOFFS))}}
    answers = ended.tables["feedback_answer"]
    last_month = {
        "month": last,
        "started": cell_variables(ended.totals[STARTED_POP][last]),
        "reports": cell_variables(ended.totals[REPORTS][last]),
        "red": cell_variables(ended.tables["reports_triage"].cell(last, RED)),
        "handoffs": cell_variables(ended.totals[HANDOFFS][last]),
        "wait_median": ended.monthly_waits[last][ALL_HOURS].median,
        "closed": cell_variables(ended.totals["closed"][last]),
        "feedback": cell_variables(ended.totals[FEEDBACK_POP][last]),
        **{answer: cell_variables(answers.cell(last, answer)) for answer in answers.groups},
    }
    return Reply(TEMPLATE, {"this_month": this_month, "last_month": last_month})
