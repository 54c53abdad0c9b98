import { useEffect, useState } from "preact/hooks";
import * as api from "../api";
import type { ApplicationSummary } from "../bindings/ApplicationSummary";
import type { Catalog } from "../bindings/Catalog";
import type { QueueItem } from "../bindings/QueueItem";
import type { QueueKind } from "../bindings/QueueKind";
import type { Role } from "../bindings/Role";
import type { Status } from "../bindings/Status";
import { useCommand } from "../command";
import { FaultBanner } from "../components";
import { formatDate, serviceName, statusLabel, tashkentTime } from "../format";
import { t } from "../i18n";

const STATUSES: Status[] = ["draft", "filed", "delivered", "in_review", "completed", "rejected", "returned", "cancelled"];

/// A clerk's own work waiting for them: what came back (sent back by a supervisor, returned
/// by an agency, set aside by the portal), and the decisions to hand over.
function MyWork(props: { catalog: Catalog | null; onOpen: (key: string) => void }) {
  const [back, setBack] = useState<QueueItem[]>([]);
  const [handOver, setHandOver] = useState<QueueItem[]>([]);
  const { fault, run } = useCommand();
  const load = () =>
    run(async () => {
      const none = { clerk: null, service: null, from: null, to: null };
      const kinds: QueueKind[] = ["sent_back", "returned", "quarantined"];
      const lists = await Promise.all(kinds.map((k) => api.queue(k, none)));
      const seen = new Set<string>();
      setBack(lists.flat().filter((i) => !seen.has(i.application.id) && seen.add(i.application.id)));
      setHandOver(await api.queue("to_hand_over", none));
    });
  useEffect(() => {
    void load();
  }, []);
  const handedOver = async (id: string) => {
    if ((await run(() => api.handOver(id))).ok) await load();
  };
  const list = (id: string, title: string, items: QueueItem[], handing: boolean) => (
    <div class="my-work-list" id={id}>
      <h2>
        {title} <span class="queue-count small">{items.length}</span>
      </h2>
      {items.length === 0 ? (
        <p class="empty">{t("ui-queue-empty")}</p>
      ) : (
        <ul>
          {items.map(({ application: a, reason_key }) => (
            <li key={a.id} data-tracking={a.tracking_number}>
              <a href="#" class="mono" onClick={(e) => (e.preventDefault(), props.onOpen(a.id))}>
                {a.tracking_number}
              </a>{" "}
              {a.citizen_name} · {serviceName(props.catalog, a.service_code)}
              {reason_key && <span class="muted"> · {t(reason_key)}</span>}
              {handing && (
                <button type="button" class="hand-over" onClick={() => handedOver(a.id)}>
                  {t("ui-queue-hand-over")}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
  return (
    <div class="my-work" id="my-work">
      <FaultBanner fault={fault} />
      {list("my-returned", t("ui-my-returned"), back, false)}
      {list("my-hand-over", t("ui-my-hand-over"), handOver, true)}
    </div>
  );
}

export function Today(props: { today: string; username: string; role: Role; catalog: Catalog | null; onOpen: (key: string) => void }) {
  const [status, setStatus] = useState<string>("");
  const [mine, setMine] = useState(false);
  const [rows, setRows] = useState<ApplicationSummary[]>([]);
  const { fault, run } = useCommand();

  useEffect(() => {
    void run(() =>
      api.listApplications({ date: props.today, status: (status || null) as Status | null, clerk: mine ? props.username : null, limit: null }),
    ).then((listed) => listed.ok && setRows(listed.value));
  }, [props.today, props.username, status, mine, run]);

  return (
    <section id="today">
      <div class="section-head">
        <h1>{t("ui-today-title")}</h1>
        <span class="muted">{formatDate(props.today)}</span>
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
      {props.role === "clerk" && <MyWork catalog={props.catalog} onOpen={props.onOpen} />}
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
                <td>{formatDate(r.due_date)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
