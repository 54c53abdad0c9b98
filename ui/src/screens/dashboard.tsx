import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";
import { useEffect, useRef, useState } from "preact/hooks";
import * as api from "../api";
import type { Catalog } from "../bindings/Catalog";
import type { Dashboard as DashboardData } from "../bindings/Dashboard";
import type { DashboardRow } from "../bindings/DashboardRow";
import type { ExportFormat } from "../bindings/ExportFormat";
import type { Period } from "../bindings/Period";
import { useCommand } from "../command";
import { DateInput, FaultBanner } from "../components";
import { formatDate, serviceName, tashkentTime } from "../format";
import { t } from "../i18n";

// Only the parts drawn here, so the bundle stays small.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const SERIES: { key: keyof Omit<DashboardRow, "key">; label: string; color: string }[] = [
  { key: "filed", label: "dash-filed", color: "#2f6fb3" },
  { key: "delivered", label: "dash-delivered", color: "#7c8da6" },
  { key: "completed", label: "dash-completed", color: "#2e8b57" },
  { key: "rejected", label: "dash-rejected", color: "#c0392b" },
  { key: "returned", label: "dash-returned", color: "#d4a017" },
];

/// A grouped bar chart of rows (services or clerks), one bar per figure.
function BarChart(props: { id: string; rows: DashboardRow[]; label: (key: string) => string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const text = getComputedStyle(document.documentElement).getPropertyValue("--text").trim() || "#222";
    const chart = new Chart(canvas.current, {
      type: "bar",
      data: {
        labels: props.rows.map((r) => props.label(r.key)),
        datasets: SERIES.map((s) => ({ label: t(s.label), data: props.rows.map((r) => r[s.key]), backgroundColor: s.color })),
      },
      options: {
        // No animation: the figures are read, not watched (and screenshots are stable).
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { position: "bottom", labels: { color: text } } },
        scales: { x: { ticks: { color: text } }, y: { beginAtZero: true, ticks: { precision: 0, color: text } } },
      },
    });
    return () => chart.destroy();
  }, [props.rows]);
  return (
    <div class="chart-box">
      <canvas id={props.id} ref={canvas} role="img" aria-label={props.rows.map((r) => `${props.label(r.key)}: ${r.filed}`).join(", ")} />
    </div>
  );
}

function Table(props: { id: string; first: string; rows: DashboardRow[]; label: (key: string) => string }) {
  return (
    <table class="list figures" id={props.id}>
      <thead>
        <tr>
          <th>{t(props.first)}</th>
          {SERIES.map((s) => (
            <th key={s.key} class="n">
              {t(s.label)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr key={r.key}>
            <td>{props.label(r.key)}</td>
            {SERIES.map((s) => (
              <td key={s.key} class="n">
                {r[s.key]}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/// The supervisor's figures for a day, a week or a month, with charts, exports and a
/// printable report. A clerk sees their own work.
export function Dashboard(props: { catalog: Catalog | null; today: string }) {
  const [period, setPeriod] = useState<Period>("week");
  // The day as ISO ("" for the desk's today), and as typed in the locale's order.
  const [day, setDay] = useState(props.today);
  const [dayText, setDayText] = useState(() => formatDate(props.today));
  const [data, setData] = useState<DashboardData | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const { fault, run } = useCommand();

  useEffect(() => {
    void run(() => api.dashboard(period, day || null)).then((d) => d.ok && setData(d.value));
  }, [period, day, run]);

  const exportAs = async (format: ExportFormat) => {
    const path = await run(() => api.exportDashboard(period, day || null, format));
    if (path.ok) setSaved(path.value);
  };
  const service = (code: string) => serviceName(props.catalog, code);
  const same = (key: string) => key;
  const figure = (v: number | null, pct: boolean) => (v === null ? "—" : pct ? `${Math.round(v * 100)} %` : v.toFixed(1));

  return (
    <section id="dashboard">
      <div class="section-head">
        <h1>{t("ui-dashboard-title")}</h1>
        <div class="segmented" role="radiogroup">
          {(["day", "week", "month"] as Period[]).map((p) => (
            <button type="button" key={p} id={`period-${p}`} role="radio" aria-checked={period === p} class={period === p ? "active" : ""} onClick={() => setPeriod(p)}>
              {t(`ui-period-${p}`)}
            </button>
          ))}
        </div>
        <DateInput id="dashboard-day" value={dayText} onInput={setDayText} onCommit={(entry) => !entry.invalid && setDay(entry.iso ?? "")} standalone />
        <span class="muted" id="dashboard-range">
          {data && `${formatDate(data.from)} – ${formatDate(data.to)}`}
        </span>
        <span class="grow" />
        <button type="button" id="export-csv" onClick={() => exportAs("csv")}>
          CSV
        </button>
        <button type="button" id="export-xlsx" onClick={() => exportAs("xlsx")}>
          XLSX
        </button>
        <button type="button" id="export-report" onClick={() => exportAs("html")}>
          {t("ui-dashboard-report")}
        </button>
        <button type="button" id="print" onClick={() => window.print()}>
          {t("ui-dashboard-print")}
        </button>
      </div>
      <FaultBanner fault={fault} />
      {saved && (
        <div class="banner ok" role="status" id="export-saved">
          {t("ui-dashboard-saved", { path: saved })}
        </div>
      )}
      {data && (
        <>
          <div class="kpis">
            {SERIES.map((s) => (
              <div class="kpi" key={s.key} id={`kpi-${s.key}`}>
                <span class="kpi-value">{data.total[s.key]}</span>
                <span class="kpi-label">{t(s.label)}</span>
              </div>
            ))}
            <div class="kpi" id="kpi-median">
              <span class="kpi-value">{figure(data.median_days_to_decision, false)}</span>
              <span class="kpi-label">{t("dash-median-days")}</span>
            </div>
            <div class="kpi" id="kpi-in-time">
              <span class="kpi-value">{figure(data.decided_within_deadline, true)}</span>
              <span class="kpi-label">{t("dash-within-deadline")}</span>
            </div>
            <div class={data.sync.last_error || data.sync.quarantined > 0 ? "kpi warn" : "kpi"} id="kpi-sync">
              <span class="kpi-value">{data.sync.backlog}</span>
              <span class="kpi-label">{t("dash-sync-backlog")}</span>
              <span class="small muted">
                {data.sync.last_success_at ? t("ui-dashboard-last-sync", { time: tashkentTime(data.sync.last_success_at, true) }) : t("ui-dashboard-never-synced")}
                {data.sync.quarantined > 0 && ` · ${t("ui-queue-quarantined")}: ${data.sync.quarantined}`}
              </span>
            </div>
          </div>
          <div class="charts">
            <div>
              <h2>{t("dash-by-service")}</h2>
              <BarChart id="chart-by-service" rows={data.by_service} label={service} />
            </div>
            <div>
              <h2>{t("dash-by-clerk")}</h2>
              <BarChart id="chart-by-clerk" rows={data.by_clerk} label={same} />
            </div>
          </div>
          {/* The tables take the full width: six figures a row do not fit beside a chart. */}
          <Table id="table-by-service" first="dash-service" rows={data.by_service} label={service} />
          <Table id="table-by-clerk" first="dash-clerk" rows={data.by_clerk} label={same} />
        </>
      )}
    </section>
  );
}
