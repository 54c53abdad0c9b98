import { useEffect, useRef, useState } from "preact/hooks";
import * as api from "../api";
import { useCommand } from "../command";
import { FaultBanner } from "../components";
import type { Application } from "../bindings/Application";
import type { Catalog } from "../bindings/Catalog";
import type { Center } from "../bindings/Center";
import { amountLabel, formatDate, serviceName, tashkentTime } from "../format";
import { t } from "../i18n";
import { ApplicationDocuments } from "./documents";

/// The citizen's receipt. Printing prints only this card (see the print rules in style.css).
export function Receipt(props: { application: Application; catalog: Catalog; center: Center; onNew: () => void; onToday: () => void }) {
  const a = props.application;
  const printRef = useRef<HTMLButtonElement>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const { fault, busy, run } = useCommand();
  // The citizen's PDF, in their language and on the desk's paper, opened in the viewer.
  const printPdf = async () => {
    const done = await run(() => api.printReceipt(a.id, null));
    if (done.ok) setSaved(done.value);
  };
  useEffect(() => printRef.current?.focus(), []);
  const row = (label: string, value: string, id?: string) => (
    <tr>
      <th>{label}</th>
      <td id={id}>{value}</td>
    </tr>
  );
  return (
    <section class="card receipt" id="receipt">
      <h1>{t("ui-receipt-title")}</h1>
      <div class="tracking">
        <span class="label">{t("ui-receipt-tracking")}</span>
        <span class="mono big" id="receipt-tracking">
          {a.tracking_number}
        </span>
      </div>
      <table class="facts">
        <tbody>
          {row(t("ui-receipt-citizen"), `${a.citizen_name} (${a.citizen_pinfl})`)}
          {row(t("ui-receipt-service"), serviceName(props.catalog, a.service_code))}
          {row(t("ui-receipt-fee"), amountLabel(a.fee_uzs))}
          {row(t("ui-receipt-due"), formatDate(a.due_date), "receipt-due")}
          {row(t("ui-receipt-filed-at"), tashkentTime(a.filed_at, true))}
          {row(t("ui-receipt-center"), `${props.center.name} (${props.center.code})`)}
          {row(t("ui-receipt-clerk"), a.clerk_name)}
          {a.receipt_code && (
            <tr>
              <th>{t("ui-receipt-code")}</th>
              <td id="receipt-code" class="mono big">
                {a.receipt_code}
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <ApplicationDocuments applicationKey={a.id} documents={props.catalog.services.find((s) => s.code === a.service_code)?.documents ?? []} canAttach={false} />
      <p class="small">{t("ui-receipt-keep")}</p>
      <FaultBanner fault={fault} />
      {saved && (
        <p class="notice no-print" id="receipt-saved" role="status">
          {t("ui-receipt-saved", { file: saved })}
        </p>
      )}
      <div class="actions no-print">
        <button type="button" onClick={props.onToday}>
          {t("ui-nav-today")}
        </button>
        <button type="button" id="receipt-new" onClick={props.onNew}>
          {t("ui-new-application")}
        </button>
        <button type="button" id="receipt-print" onClick={() => window.print()}>
          {t("ui-print")}
        </button>
        <button type="button" class="primary" id="receipt-pdf" ref={printRef} disabled={busy} onClick={printPdf}>
          {t("ui-receipt-pdf")}
        </button>
      </div>
    </section>
  );
}
