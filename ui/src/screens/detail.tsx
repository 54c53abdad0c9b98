import { useEffect, useState } from "preact/hooks";
import * as api from "../api";
import type { Application } from "../bindings/Application";
import type { Catalog } from "../bindings/Catalog";
import type { Fault } from "../bindings/Fault";
import { FaultBanner, Field, input } from "../components";
import { amountLabel, t, tashkentTime, text } from "../i18n";
import { serviceName, statusLabel } from "./today";

export function Detail(props: { applicationKey: string; catalog: Catalog; onBack: () => void; onChanged: () => void }) {
  const [app, setApp] = useState<Application | null>(null);
  const [reason, setReason] = useState("");
  const [fault, setFault] = useState<Fault | null>(null);

  useEffect(() => {
    api.getApplication(props.applicationKey).then(setApp, (e) => setFault(api.asFault(e, t("err-internal"))));
  }, [props.applicationKey]);

  if (!app) return <FaultBanner fault={fault} />;
  const service = props.catalog.services.find((s) => s.code === app.service_code);
  const cancellable = app.status === "filed" || app.status === "draft" || app.status === "returned";

  const cancel = async (e: Event) => {
    e.preventDefault();
    try {
      setApp(await api.cancelApplication(app.id, reason));
      setFault(null);
      setReason("");
      props.onChanged();
    } catch (err) {
      setFault(api.asFault(err, t("err-internal")));
    }
  };

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
            <td>{app.due_date}</td>
          </tr>
          {Object.entries(app.form).map(([k, v]) => {
            const spec = service?.fields.find((f) => f.key === k);
            const choice = spec?.kind.type === "choice" ? spec.kind.options.find((o) => o.value === v) : undefined;
            return (
              <tr key={k}>
                <th>{spec ? text(spec.label) : k}</th>
                <td>{choice ? text(choice.label) : v}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h2>{t("ui-detail-history")}</h2>
      <table class="list" id="history">
        <tbody>
          {app.history.map((h, i) => (
            <tr key={i}>
              <td>{tashkentTime(h.at, true)}</td>
              <td>
                {h.from ? `${statusLabel(h.from)} → ` : ""}
                {statusLabel(h.to)}
              </td>
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
      <div class="actions">
        <button type="button" onClick={props.onBack}>
          {t("ui-back")}
        </button>
      </div>
    </section>
  );
}
