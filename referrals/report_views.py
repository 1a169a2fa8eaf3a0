"""The access log and security events (one organisation's, the whole network's) and the working group's figures."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from core.db_router import reads_from_replica

from . import policy, profiles
from .reports import PERIOD_NAMES, Period, bar_chart, build_report, line_chart, report_pdf, report_xlsx
from .security import record
from .workspace import require, workspace_view


@workspace_view
def access_log(request):
    """The access log of the user's organisation (and its security events, for its administrator)."""
    require(request.user, "accesslog.view")
    rows = policy.access_log_scope(request.user).select_related("organization", "case")[:500]
    events = None
    if policy.can(request.user, "securitylog.view"):
        events = policy.security_events_scope(request.user)[:200]
    context = {"rows": rows, "events": events, "network": False}
    return render(request, "referrals/access_log.html", context)


@workspace_view
def access_log_network(request):
    """The whole network's access log and security events: the network auditor's, and every opening is logged."""
    require(request.user, "accesslog.network")

    record(
        "network_log_view", user=request.user, detail="журнал доступа и события безопасности всей сети", request=request
    )
    rows = policy.access_log_scope(request.user, network=True).select_related("organization", "case")[:500]
    events = policy.security_events_scope(request.user, network=True)[:200]
    context = {"rows": rows, "events": events, "network": True}
    return render(request, "referrals/access_log.html", context)


@workspace_view
@reads_from_replica()  # aggregated figures only: they may lag the primary (core/db_router.py)
def figures(request):
    require(request.user, "reports.view")

    today = timezone.localdate()
    period = Period.from_query(request.GET, today)
    report = build_report(period)
    export = request.GET.get("format")
    if export in ("xlsx", "pdf"):
        record("export", user=request.user, detail=f"отчёт {export.upper()} {period.slug}", request=request)
        if export == "xlsx":
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            response = HttpResponse(report_xlsx(report), content_type=content_type)
        else:
            response = HttpResponse(report_pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="analysis-{period.slug}.{export}"'
        return response
    required = profiles.in_force(period.end).reporting_periods
    context = {
        "report": report,
        "period": period,
        "kinds": [(kind, name, kind in required) for kind, name in PERIOD_NAMES.items()],
        "years": range(min(period.year, today.year) - 5, max(period.year, today.year) + 2),
        "parts": range(1, period.parts + 1),
        "chart": bar_chart(report["referrals"]["by_kind"], "total"),
        "line": line_chart(report["weekly"], "total"),
        "previous": period.shifted(-1),
        "next": period.shifted(1),
    }
    return render(request, "referrals/figures.html", context)
