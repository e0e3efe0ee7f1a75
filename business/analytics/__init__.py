"""The owner's analytics: grouped SQL queries over a local date range (reports.py) and the
local-time SQL expressions they group by (local_time.py)."""
from business.analytics.reports import REPORTS, DateRange, Report, run_report

__all__ = ["REPORTS", "DateRange", "Report", "run_report"]
