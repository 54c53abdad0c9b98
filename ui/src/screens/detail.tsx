import { useEffect, useState } from "preact/hooks";
import * as api from "../api";
import type { Actor } from "../bindings/Actor";
import type { Application } from "../bindings/Application";
import type { HistoryEntry } from "../bindings/HistoryEntry";
import type { StaffMember } from "../bindings/StaffMember";
import type { Catalog } from "../bindings/Catalog";
import { runQuietly, useCommand } from "../command";
import { FaultBanner, Field, input } from "../components";
import { amountLabel, formatDate, serviceName, statusLabel, tashkentTime } from "../format";
import { t, text } from "../i18n";
import { ApplicationDocuments } from "./documents";

/// What a history line says: a status change, or one of the desk's own events.
function historyWhat(h: HistoryEntry): string {
  if (h.event !== "status") return t(`history-${h.event.replace(/_/g, "-")}`) + (h.detail ? `: ${h.detail}` : "");
  return (h.from ? `${statusLabel(h.from)} → ` : "") + statusLabel(h.to);
}

export function Detail(props: {
  applicationKey: string;
  catalog: Catalog;
  actor: Actor;
  onBack: () => void;
  onChanged: () => void;
  onCorrect: (app: Application) => void;
}) {
  const [app, setApp] = useState<Application | null>(null);
  const [reason, setReason] = useState("");
  const [note, setNote] = useState("");
  const [answer, setAnswer] = useState("");
  const [staff, setStaff] = useState<StaffMember[]>([]);
  const [assignTo, setAssignTo] = useState("");
  const { fault, run } = useCommand();
  const supervisor = props.actor.role !== "clerk";

  useEffect(() => {
    void run(() => api.getApplication(props.applicationKey)).then((got) => got.ok && setApp(got.value));
    // Only for the reassign list: without it the list is empty, the application still shows.
    if (supervisor) void runQuietly(api.listStaff).then((s) => setStaff(s.ok ? s.value.filter((m) => m.active && m.username !== "portal") : []));
  }, [props.applicationKey, run]);

  if (!app) return <FaultBanner fault={fault} />;
  const service = props.catalog.services.find((s) => s.code === app.service_code);
  const cancellable = app.status === "filed" || app.status === "draft" || app.status === "returned";
  const open = app.status !== "cancelled";
  const correctable = open && (app.quarantine !== null || app.status === "returned");

  /// Runs one action, shows the application as it now is, and clears the inputs.
  const act = (call: () => Promise<Application>) => async (e: Event) => {
    e.preventDefault();
    const done = await run(call);
    if (!done.ok) return;
    setApp(done.value);
    setReason("");
    setNote("");
    setAnswer("");
    props.onChanged();
  };
  const cancel = act(() => api.cancelApplication(app.id, reason));

  return (
    <section class="card wide" id="detail" onKeyDown={(e) => e.key === "Escape" && props.onBack()}>
      <div class="section-head">
        <h1>
          {t("ui-detail-title")} <span class="mono">{app.tracking_number}</span>
        </h1>
        <span class={`status status-${app.status}`} id="detail-status">
          {statusLabel(app.status)}
        </span>
      </div>
      <FaultBanner fault={fault} />
      {app.quarantine && (
        <div class="banner error" role="alert" id="quarantine">
          {t("ui-quarantine-reason")}: {t(app.quarantine)}
        </div>
      )}
      {app.sent_back_note && (
        <div class="banner warn" role="status" id="sent-back-note">
          {t("ui-sent-back-note")}: {app.sent_back_note}
        </div>
      )}
      <table class="facts">
        <tbody>
          <tr>
            <th>{t("ui-receipt-citizen")}</th>
            <td>
              {app.citizen_name} (<span class="mono">{app.citizen_pinfl}</span>)
            </td>
          </tr>
          <tr>
            <th>{t("ui-receipt-service")}</th>
            <td>{serviceName(props.catalog, app.service_code)}</td>
          </tr>
          <tr>
            <th>{t("ui-receipt-fee")}</th>
            <td>{amountLabel(app.fee_uzs)}</td>
          </tr>
          <tr>
            <th>{t("ui-receipt-due")}</th>
            <td>{formatDate(app.due_date)}</td>
          </tr>
          <tr>
            <th>{t("ui-col-clerk")}</th>
            <td id="detail-clerk">
              {app.clerk_name}
              {app.assignee && ` → ${app.assignee}`}
            </td>
          </tr>
          {Object.entries(app.form).map(([k, v]) => {
            const spec = service?.fields.find((f) => f.key === k);
            const choice = spec?.kind.type === "choice" ? spec.kind.options.find((o) => o.value === v) : undefined;
            const shown = choice ? text(choice.label) : spec?.kind.type === "date" && v !== undefined ? formatDate(v) : v;
            return (
              <tr key={k}>
                <th>{spec ? text(spec.label) : k}</th>
                <td>{shown}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <ApplicationDocuments applicationKey={app.id} documents={service?.documents ?? []} canAttach={open} />
      <h2>{t("ui-detail-history")}</h2>
      <table class="list" id="history">
        <tbody>
          {app.history.map((h, i) => (
            <tr key={i}>
              <td>{tashkentTime(h.at, true)}</td>
              <td>{historyWhat(h)}</td>
              <td>{h.actor_name}</td>
              <td>{h.reason ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {cancellable && (
        <form class="cancel-form" id="cancel-form" onSubmit={cancel}>
          <h2>{t("ui-detail-cancel")}</h2>
          <Field name="reason" label={t("field-reason")} fault={fault}>
            <input id="cancel-reason" value={reason} onInput={input(setReason)} />
          </Field>
          <button type="submit" class="danger" id="cancel-submit">
            {t("ui-detail-cancel-confirm")}
          </button>
        </form>
      )}
      {correctable && (
        <div class="action-row">
          <button type="button" class="primary" id="correct" onClick={() => props.onCorrect(app)}>
            {t("ui-correct-and-file")}
          </button>
        </div>
      )}
      {app.sent_back_note && (
        <form class="action-row" id="answer-form" onSubmit={act(() => api.answerSentBack(app.id, answer))}>
          <Field name="answer" label={t("ui-sent-back-answer")} fault={fault}>
            <input id="answer-text" value={answer} onInput={input(setAnswer)} />
          </Field>
          <button type="submit" id="answer-submit">
            {t("ui-sent-back-done")}
          </button>
        </form>
      )}
      {supervisor && open && (
        <div class="supervisor-actions">
          <form class="action-row" id="reassign-form" onSubmit={act(() => api.reassign(app.id, assignTo))}>
            <Field name="clerk" label={t("ui-reassign-to")} fault={fault}>
              <select id="reassign-to" value={assignTo} onChange={(e) => setAssignTo((e.target as HTMLSelectElement).value)}>
                <option value="">{t("ui-choose")}</option>
                {staff.map((m) => (
                  <option key={m.username} value={m.username}>
                    {m.full_name} ({m.username})
                  </option>
                ))}
              </select>
            </Field>
            <button type="submit" id="reassign-submit">
              {t("ui-reassign")}
            </button>
          </form>
          <form class="action-row" id="send-back-form" onSubmit={act(() => api.sendBack(app.id, note))}>
            <Field name="note" label={t("ui-send-back-note")} fault={fault}>
              <input id="send-back-note" value={note} onInput={input(setNote)} />
            </Field>
            <button type="submit" id="send-back-submit">
              {t("ui-send-back")}
            </button>
          </form>
        </div>
      )}
      <div class="actions">
        <button type="button" onClick={props.onBack}>
          {t("ui-back")}
        </button>
      </div>
    </section>
  );
}
