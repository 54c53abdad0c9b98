import { useEffect, useState } from "preact/hooks";
import * as api from "../api";
import type { ApplicationSummary } from "../bindings/ApplicationSummary";
import type { Catalog } from "../bindings/Catalog";
import type { Fault } from "../bindings/Fault";
import type { Status } from "../bindings/Status";
import { FaultBanner } from "../components";
import { t, tashkentTime, text } from "../i18n";

export const STATUSES: Status[] = ["draft", "filed", "delivered", "in_review", "completed", "rejected", "returned", "cancelled"];

export function statusLabel(s: Status): string {
  return t(`status-${s.replace("_", "-")}`);
}

export function serviceName(catalog: Catalog | null, code: string): string {
  const s = catalog?.services.find((x) => x.code === code);
  return s ? text(s.name) : code;
}

export function Today(props: { today: string; username: string; catalog: Catalog | null; onOpen: (key: string) => void }) {
  const [status, setStatus] = useState<string>("");
  const [mine, setMine] = useState(false);
  const [rows, setRows] = useState<ApplicationSummary[]>([]);
  const [fault, setFault] = useState<Fault | null>(null);

  useEffect(() => {
    api
      .listApplications({ date: props.today, status: (status || null) as Status | null, clerk: mine ? props.username : null, limit: null })
      .then(setRows, (e) => setFault(api.asFault(e, t("err-internal"))));
  }, [props.today, props.username, status, mine]);

  return (
    <section id="today">
      <div class="section-head">
        <h1>{t("ui-today-title")}</h1>
        <span class="muted">{props.today}</span>
        <label class="inline">
          <span class="label">{t("ui-filter-status")}</span>
          <select id="filter-by-status" value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
            <option value="">{t("ui-filter-all")}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s)}
              </option>
            ))}
          </select>
        </label>
        <label class="radio">
          <input type="checkbox" id="filter-mine" checked={mine} onChange={(e) => setMine((e.target as HTMLInputElement).checked)} />
          {t("ui-filter-mine")}
        </label>
      </div>
      <FaultBanner fault={fault} />
      {rows.length === 0 ? (
        <p class="empty">{t("ui-today-empty")}</p>
      ) : (
        <table class="list" id="today-list">
          <thead>
            <tr>
              <th>{t("ui-col-time")}</th>
              <th>{t("ui-col-tracking")}</th>
              <th>{t("ui-col-citizen")}</th>
              <th>{t("ui-col-service")}</th>
              <th>{t("ui-col-status")}</th>
              <th>{t("ui-col-due")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr
                key={r.id}
                tabIndex={0}
                data-tracking={r.tracking_number}
                onClick={() => props.onOpen(r.id)}
                onKeyDown={(e) => {
                  if (e.key === "Enter") props.onOpen(r.id);
                }}
              >
                <td>{tashkentTime(r.filed_at)}</td>
                <td class="mono">{r.tracking_number}</td>
                <td>{r.citizen_name}</td>
                <td>{serviceName(props.catalog, r.service_code)}</td>
                <td>
                  <span class={`status status-${r.status}`}>{statusLabel(r.status)}</span>
                </td>
                <td>{r.due_date}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
