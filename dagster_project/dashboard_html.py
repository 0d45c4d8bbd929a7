"""The grade dashboard as one self-contained HTML file (inline CSS, SVG and a few lines of JS).

Opens offline from disk or a mail attachment: no CDN, no font download, no data fetch. Labels are
English and Chinese; the font stack lists CJK fonts so customer names such as 上海华东贸易 render
as glyphs wherever one of them is installed. Every chart is a `<figure class="chart"
data-chart=KIND>` so a test (and a reader of the source) can find it.
"""

from __future__ import annotations

import re

from dagster_project.dashboard_data import Dashboard, ModelDashboard
from dagster_project.svg_charts import (
    BAD,
    GOOD,
    bar_chart,
    diverging_bars,
    esc,
    histogram,
    pareto_chart,
)

# (kind, bilingual caption): the charts of every model section, in page order.
CHARTS: tuple[tuple[str, str], ...] = (
    ("grade-distribution", "Grade distribution · 等级分布"),
    ("contribution", "Contribution: share of customers vs share of revenue · 贡献度（帕累托）"),
    ("movement-trend", "Upgrades and downgrades per snapshot · 升级与降级趋势"),
    ("transition-matrix", "Transition matrix, latest snapshot · 等级迁移矩阵"),
    ("at-risk", "At-risk customers · 风险客户"),
    ("dimension-scores", "Score distribution per dimension · 各维度得分分布"),
)
CHART_KINDS = tuple(kind for kind, _ in CHARTS)

FONT_STACK = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", '
    '"Hiragino Sans GB", "Source Han Sans SC", system-ui, sans-serif'
)

STYLE = f"""
body {{ font-family: {FONT_STACK}; margin: 0; color: #1f2328; background: #f6f7f9; }}
header {{ background: #1f3b57; color: #fff; padding: 16px 24px; }}
header h1 {{ margin: 0 0 6px; font-size: 22px; }}
header p {{ margin: 0; font-size: 13px; opacity: .85; }}
header label {{ margin-right: 8px; }}
.picker {{ margin-top: 12px; font-size: 14px; }}
select {{ font: inherit; padding: 2px 6px; }}
main {{ padding: 16px 24px; }}
section.model h2 {{ margin: 4px 0 12px; font-size: 19px; }}
.kpis {{ display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 16px; }}
.kpi {{ background: #fff; border-radius: 6px; padding: 10px 14px; min-width: 130px;
        box-shadow: 0 1px 2px rgba(0,0,0,.08); }}
.kpi b {{ display: block; font-size: 20px; }}
.kpi span {{ font-size: 12px; color: #57606a; }}
.grid {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 16px; }}
figure.chart {{ background: #fff; margin: 0; padding: 12px 14px; border-radius: 6px;
               box-shadow: 0 1px 2px rgba(0,0,0,.08); overflow-x: auto; }}
figure.chart.wide {{ grid-column: 1 / -1; }}
figcaption {{ font-weight: 600; margin-bottom: 8px; }}
svg {{ width: 100%; height: auto; max-height: 340px; }}
svg text {{ fill: #1f2328; font-family: {FONT_STACK}; }}
table {{ border-collapse: collapse; font-size: 13px; width: 100%; }}
th, td {{ border-bottom: 1px solid #e4e7eb; padding: 4px 8px; text-align: right; }}
th:first-child, td.name, td.text {{ text-align: left; }}
td.cell {{ text-align: center; }}
.small-multiples {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr));
                    gap: 10px; }}
.small-multiples h4 {{ margin: 0; font-size: 12px; font-weight: 600; word-break: break-all; }}
.note {{ color: #57606a; font-size: 12px; margin: 6px 0 0; }}
"""

SCRIPT = """
(function () {
  var select = document.getElementById('model-select');
  function show(name) {
    var sections = document.querySelectorAll('section.model');
    for (var i = 0; i < sections.length; i++) {
      sections[i].hidden = sections[i].getAttribute('data-model') !== name;
    }
  }
  select.addEventListener('change', function () { show(select.value); });
  show(select.value);
})();
"""


def render_dashboard(dashboard: Dashboard) -> str:
    """The whole page; the first model (alphabetically) is shown first."""
    options = "".join(
        f'<option value="{esc(m.grading_model)}">{esc(m.grading_model)} '
        f"({m.as_of.isoformat()})</option>"
        for m in dashboard.models
    )
    sections = "".join(_model_section(m) for m in dashboard.models) or (
        '<p class="note">No grades yet: run <code>grading run --date D</code> first. '
        "尚无分级数据。</p>"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Customer grades · 客户分级</title>"
        f"<style>{STYLE}</style></head><body>"
        "<header><h1>Customer grades · 客户价值分级</h1>"
        f"<p>Generated {esc(dashboard.generated_at.strftime('%Y-%m-%d %H:%M UTC'))} from "
        f"{esc(dashboard.warehouse.name)} · 数据生成时间</p>"
        '<div class="picker"><label for="model-select">Grading model · 分级模型</label>'
        f'<select id="model-select">{options}</select></div></header>'
        f"<main>{sections}</main>"
        f"<script>{SCRIPT}</script></body></html>\n"
    )


def _model_section(model: ModelDashboard) -> str:
    charts = {
        "grade-distribution": _distribution(model),
        "contribution": _contribution(model),
        "movement-trend": _trend(model),
        "transition-matrix": _matrix(model),
        "at-risk": _at_risk(model),
        "dimension-scores": _dimensions(model),
    }
    wide = {"movement-trend", "at-risk", "dimension-scores"}
    figures = "".join(
        f'<figure class="chart{" wide" if kind in wide else ""}" data-chart="{kind}">'
        f"<figcaption>{esc(caption)}</figcaption>{charts[kind]}</figure>"
        for kind, caption in CHARTS
    )
    latest = model.movements[-1] if model.movements else None
    kpis = [
        (f"{model.total_customers:,}", "customers · 客户数"),
        (f"{model.total_revenue:,.0f}", "revenue, 12 months · 近12个月收入"),
        (f"{latest.upgrades:,}" if latest else "–", "upgrades · 升级"),
        (f"{latest.downgrades:,}" if latest else "–", "downgrades · 降级"),
        (f"{model.at_risk_total:,}", "at risk · 风险客户"),
    ]
    kpi_html = "".join(
        f'<div class="kpi"><b>{esc(v)}</b><span>{esc(t)}</span></div>' for v, t in kpis
    )
    anchor = re.sub(r"[^A-Za-z0-9_-]", "-", model.grading_model)
    return (
        f'<section class="model" id="model-{esc(anchor)}" '
        f'data-model="{esc(model.grading_model)}">'
        f"<h2>{esc(model.grading_model)} — as of {model.as_of.isoformat()} · 截至</h2>"
        f'<div class="kpis">{kpi_html}</div><div class="grid">{figures}</div></section>'
    )


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _distribution(model: ModelDashboard) -> str:
    bars = [
        (row.grade, float(row.customers), f"{row.customers:,} ({_share(row.customer_share)})")
        for row in model.grades
    ]
    return bar_chart(bars, label=f"{model.grading_model}: customers per grade")


def _contribution(model: ModelDashboard) -> str:
    points = [
        (row.grade, row.cumulative_customer_share or 0.0, row.cumulative_revenue_share or 0.0)
        for row in model.grades
    ]
    chart = pareto_chart(
        points,
        label=f"{model.grading_model}: cumulative share of revenue by share of customers",
        x_title="share of customers · 客户占比",
        y_title="share of revenue · 收入占比",
    )
    rows = "".join(
        f"<tr><td class='name'>{esc(r.grade)}</td><td>{r.customers:,}</td>"
        f"<td>{_share(r.customer_share)}</td><td>{r.revenue_12m:,.0f}</td>"
        f"<td>{_share(r.revenue_share)}</td>"
        f"<td>{'–' if r.avg_score is None else f'{r.avg_score:.1f}'}</td></tr>"
        for r in model.grades
    )
    table = (
        "<table><thead><tr><th>grade · 等级</th><th>customers · 客户</th><th>share · 占比</th>"
        "<th>revenue 12m · 收入</th><th>revenue share · 收入占比</th>"
        f"<th>avg score · 平均分</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    return chart + table


def _trend(model: ModelDashboard) -> str:
    dates = [m.snapshot_date.isoformat() for m in model.movements]
    chart = diverging_bars(
        dates,
        [m.upgrades for m in model.movements],
        [m.downgrades for m in model.movements],
        label=f"{model.grading_model}: upgrades and downgrades per snapshot",
        names=("upgrades · 升级", "downgrades · 降级"),
    )
    rule_changes = [m.snapshot_date.isoformat() for m in model.movements if m.rule_change]
    note = (
        f'<p class="note">Model changed on · 规则变更: {esc(", ".join(rule_changes))}</p>'
        if rule_changes
        else ""
    )
    if len(dates) <= 1:
        note += '<p class="note">One snapshot so far: every customer is new. 仅有一个快照。</p>'
    return chart + note


def _matrix(model: ModelDashboard) -> str:
    ranks = {row.grade: row.grade_rank for row in model.grades}
    known = [row.grade for row in model.grades]
    extra = sorted(
        {c.from_grade for c in model.matrix if c.from_grade and c.from_grade not in ranks}
    )
    origins: list[str | None] = [*known, *extra, None]
    targets: list[str | None] = [*known, None]
    cells = {(c.from_grade, c.to_grade): c.customers for c in model.matrix}
    peak = max(cells.values(), default=0) or 1

    def head(grade: str | None, empty: str) -> str:
        return esc(grade) if grade is not None else empty

    header = "".join(f"<th>{head(t, 'exited · 流失')}</th>" for t in targets)
    body = []
    for origin in origins:
        row = []
        for target in targets:
            count = cells.get((origin, target), 0)
            colour = _cell_colour(origin, target, ranks, count / peak)
            row.append(f'<td class="cell" style="background:{colour}">{count:,}</td>')
        body.append(f"<tr><th>{head(origin, 'new · 新增')}</th>{''.join(row)}</tr>")
    since = model.previous_snapshot.isoformat() if model.previous_snapshot else "–"
    return (
        f'<table class="matrix"><thead><tr><th>from {esc(since)} ↓ / to '
        f"{model.as_of.isoformat()} → · 由/至</th>{header}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
        '<p class="note">Rows: grade at the previous snapshot; columns: grade now. '
        "Green cells are upgrades, red downgrades. 绿色为升级，红色为降级。</p>"
    )


def _cell_colour(
    origin: str | None, target: str | None, ranks: dict[str, int], weight: float
) -> str:
    if weight <= 0:
        return "#ffffff"
    alpha = 0.12 + 0.6 * weight
    if origin in ranks and target in ranks:
        if ranks[target] < ranks[origin]:
            return _rgba(GOOD, alpha)
        if ranks[target] > ranks[origin]:
            return _rgba(BAD, alpha)
    return f"rgba(59,110,168,{alpha:.2f})"


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha:.2f})"


def _at_risk(model: ModelDashboard) -> str:
    if not model.at_risk:
        return (
            '<table><tbody><tr><td class="text">No customer raised a sustained-decline or '
            "key-account-inactivity alert in the window. 暂无风险客户。</td></tr></tbody></table>"
        )
    rows = "".join(
        "<tr>"
        f"<td class='name'>{esc(r.customer_name or r.customer_id)}"
        f"<br><small>{esc(r.customer_id)}</small></td>"
        f"<td class='text'>{esc(r.owner_name or '–')}</td>"
        f"<td>{esc(r.grade)}</td><td>{r.score:.1f}</td>"
        f"<td>{0 if r.purchase_value_12m is None else r.purchase_value_12m:,.0f}</td>"
        f"<td class='text'>{esc(r.risk_rules)}</td>"
        f"<td>{r.last_alert_date.isoformat()}</td>"
        f"<td class='text'>{esc(r.last_reason or '')}</td>"
        "</tr>"
        for r in model.at_risk
    )
    shown = (
        f'<p class="note">The {len(model.at_risk)} largest by revenue of '
        f"{model.at_risk_total:,} at-risk customers (marts.at_risk_customers). "
        f"按收入排序。</p>"
    )
    return (
        "<table><thead><tr><th>customer · 客户</th><th>owner · 负责人</th><th>grade · 等级</th>"
        "<th>score · 得分</th><th>revenue 12m · 收入</th><th>why · 原因</th>"
        "<th>alerted · 预警日期</th><th>last alert · 最近预警</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>{shown}"
    )


def _dimensions(model: ModelDashboard) -> str:
    if not model.dimensions:
        return '<p class="note">No dimension scores on this date. 无维度得分。</p>'
    tiles = "".join(
        f"<div><h4>{esc(d.dimension)} (max {d.max_score:g})</h4>"
        f"{histogram(d.counts, label=f'{model.grading_model}: {d.dimension} score')}</div>"
        for d in model.dimensions
    )
    return (
        f'<div class="small-multiples">{tiles}</div>'
        '<p class="note">Customers per tenth of the dimension\'s maximum score. '
        "按满分十等分统计的客户数。</p>"
    )
