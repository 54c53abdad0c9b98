import { useCallback, useEffect, useState } from "preact/hooks";
import * as api from "../api";
import type { Actor } from "../bindings/Actor";
import type { Catalog } from "../bindings/Catalog";
import type { Draft } from "../bindings/Draft";
import type { QueueCounts } from "../bindings/QueueCounts";
import type { QueueFilter } from "../bindings/QueueFilter";
import type { QueueItem } from "../bindings/QueueItem";
import type { QueueKind } from "../bindings/QueueKind";
import { useCommand } from "../command";
import { DateInput, FaultBanner } from "../components";
import { type DateEntry, byteSize, formatDate, serviceName, statusLabel, tashkentTime } from "../format";
import { t } from "../i18n";

/// The tiles, in the order a supervisor reads them; drafts are not applications yet, so they
/// have their own list.
type Tile = QueueKind | "drafts";
const TILES: Tile[] = ["awaiting_delivery", "quarantined", "returned", "overdue", "to_hand_over", "sent_back", "drafts"];

/// The morning view: how many wait in each queue, and the applications of the one chosen,
/// with the action that moves each out. A clerk sees their own; supervisors everyone's.
export function Queues(props: { actor: Actor; catalog: Catalog | null; onOpen: (key: string) => void; onContinueDraft: (d: Draft) => void }) {
  const supervisor = props.actor.role !== "clerk";
  const [filter, setFilter] = useState<QueueFilter>({ clerk: null, service: null, from: null, to: null });
  const [counts, setCounts] = useState<QueueCounts | null>(null);
  const [kind, setKind] = useState<Tile>("to_hand_over");
  const [rows, setRows] = useState<QueueItem[]>([]);
  const [drafts, setDrafts] = useState<Draft[]>([]);
  // The period's bounds as typed; the filter takes them once they are dates (or empty).
  const [fromText, setFromText] = useState("");
  const [toText, setToText] = useState("");
  const { fault, run } = useCommand();

  const load = useCallback(
    () =>
      run(async () => {
        setCounts(await api.queueCounts(filter));
        if (kind === "drafts") {
          setDrafts(await api.drafts(filter));
          setRows([]);
        } else {
          setRows(await api.queue(kind, filter));
          setDrafts([]);
        }
      }),
    [filter, kind, run],
  );

  // Live counts: the sync engine brings decisions and delivers in the background, so the
  // queues are read again every 15 seconds while the screen is open.
  useEffect(() => {
    void load();
    const timer = window.setInterval(() => void load(), 15_000);
    return () => window.clearInterval(timer);
  }, [load]);

  const act = async (call: () => Promise<null>) => {
    if ((await run(call)).ok) await load();
  };
  const set = (key: keyof QueueFilter) => (e: Event) => {
    const v = (e.target as HTMLInputElement).value.trim();
    setFilter({ ...filter, [key]: v === "" ? null : v });
  };
  const setDate = (key: "from" | "to") => (entry: DateEntry) => {
    if (!entry.invalid) setFilter({ ...filter, [key]: entry.iso });
  };

  return (
    <section id="queues">
      <div class="section-head">
        <h1>{t("ui-queues-title")}</h1>
        {supervisor && (
          <label class="inline">
            <span class="label">{t("ui-col-clerk")}</span>
            <input id="queue-clerk" size={10} onChange={set("clerk")} />
          </label>
        )}
        <label class="inline">
          <span class="label">{t("ui-col-service")}</span>
          <select id="queue-service" onChange={set("service")}>
            <option value="">{t("ui-filter-all")}</option>
            {props.catalog?.services.map((s) => (
              <option key={s.code} value={s.code}>
                {serviceName(props.catalog, s.code)}
              </option>
            ))}
          </select>
        </label>
        <label class="inline">
          <span class="label">{t("ui-queue-from")}</span>
          <DateInput id="queue-from" value={fromText} onInput={setFromText} onCommit={setDate("from")} standalone />
        </label>
        <label class="inline">
          <span class="label">{t("ui-queue-to")}</span>
          <DateInput id="queue-to" value={toText} onInput={setToText} onCommit={setDate("to")} standalone />
        </label>
      </div>
      <FaultBanner fault={fault} />
      <div
        class="queue-tiles"
        role="tablist"
        onKeyDown={(e) => {
          // Arrow keys move between the queues, as in any tab list.
          const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
          if (!step) return;
          e.preventDefault();
          const next = TILES[(TILES.indexOf(kind) + step + TILES.length) % TILES.length];
          setKind(next);
          document.getElementById(`queue-${next}`)?.focus();
        }}
      >
        {TILES.map((k) => (
          <button
            type="button"
            key={k}
            role="tab"
            id={`queue-${k}`}
            aria-selected={kind === k}
            class={kind === k ? "queue-tile active" : "queue-tile"}
            onClick={() => setKind(k)}
          >
            <span class="queue-count" id={`queue-count-${k}`}>
              {counts ? counts[k] : "…"}
            </span>
            <span>{t(`ui-queue-${k.replace(/_/g, "-")}`)}</span>
          </button>
        ))}
      </div>
      {counts && counts.documents.waiting > 0 && (
        <p id="queue-documents" role="status">
          {t("ui-documents-waiting", { count: counts.documents.waiting, sent: byteSize(counts.documents.sent_bytes), total: byteSize(counts.documents.bytes) })}{" "}
          <progress max={counts.documents.bytes} value={counts.documents.sent_bytes} aria-label={t("ui-documents-progress")} />
        </p>
      )}
      {kind === "drafts" ? (
        drafts.length === 0 ? (
          <p class="empty" id="queue-empty">
            {t("ui-queue-empty")}
          </p>
        ) : (
          <table class="list" id="draft-list">
            <thead>
              <tr>
                <th>{t("ui-col-citizen")}</th>
                <th>{t("ui-col-service")}</th>
                <th>{t("ui-col-clerk")}</th>
                <th>{t("ui-draft-updated")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {drafts.map((d) => (
                <tr key={d.id} data-draft={d.id}>
                  <td>{d.citizen_name ?? "—"}</td>
                  <td>{d.service_code ? serviceName(props.catalog, d.service_code) : "—"}</td>
                  <td>{d.clerk}</td>
                  <td>{tashkentTime(d.updated_at, true)}</td>
                  <td>
                    {d.clerk === props.actor.username && (
                      <button type="button" class="continue-draft" onClick={() => props.onContinueDraft(d)}>
                        {t("ui-draft-continue")}
                      </button>
                    )}
                    <button type="button" class="discard-draft" onClick={() => act(() => api.discardDraft(d.id))}>
                      {t("ui-draft-discard")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : rows.length === 0 ? (
        <p class="empty" id="queue-empty">
          {t("ui-queue-empty")}
        </p>
      ) : (
        <table class="list" id="queue-list">
          <thead>
            <tr>
              <th>{t("ui-col-tracking")}</th>
              <th>{t("ui-col-citizen")}</th>
              <th>{t("ui-col-service")}</th>
              <th>{t("ui-col-clerk")}</th>
              <th>{t("ui-col-status")}</th>
              <th>{t("ui-col-due")}</th>
              <th>{t("ui-queue-why")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map(({ application: r, waiting_since, attempts, reason_key }) => (
              <tr key={r.id} data-tracking={r.tracking_number}>
                <td class="mono">
                  <a href="#" onClick={(e) => (e.preventDefault(), props.onOpen(r.id))}>
                    {r.tracking_number}
                  </a>
                </td>
                <td>{r.citizen_name}</td>
                <td>{serviceName(props.catalog, r.service_code)}</td>
                <td>{r.clerk}</td>
                <td>
                  <span class={`status status-${r.status}`}>{statusLabel(r.status)}</span>
                </td>
                <td>{formatDate(r.due_date)}</td>
                <td class="small">
                  {waiting_since && <span>{t("ui-queue-since", { time: tashkentTime(waiting_since) })} </span>}
                  {attempts > 0 && <span>{t("ui-queue-attempts", { n: attempts })} </span>}
                  {reason_key && <span class="muted">{t(reason_key)}</span>}
                </td>
                <td>
                  {kind === "to_hand_over" && (
                    <button type="button" class="hand-over" onClick={() => act(() => api.handOver(r.id))}>
                      {t("ui-queue-hand-over")}
                    </button>
                  )}
                  {kind === "quarantined" && supervisor && (
                    <button type="button" class="retry" onClick={() => act(() => api.retryDelivery(r.id))}>
                      {t("ui-queue-retry")}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
