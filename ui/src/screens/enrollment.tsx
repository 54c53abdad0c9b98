import { useEffect, useState } from "preact/hooks";
import * as api from "../api";
import type { SyncStatus } from "../bindings/SyncStatus";
import { runQuietly, useCommand } from "../command";
import { FaultBanner, Field, input } from "../components";
import { t } from "../i18n";

/// The administrator enrolls the desk with the portal using a one-time code.
export function Enrollment() {
  const [status, setStatus] = useState<SyncStatus | null>(null);
  const [portal, setPortal] = useState("");
  const [code, setCode] = useState("");
  const [pin, setPin] = useState("");
  const { fault, busy, run } = useCommand();

  useEffect(() => {
    // Only for the "enrolled with" line: without it the form is simply shown.
    void runQuietly(api.syncStatus).then((s) => s.ok && setStatus(s.value));
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    const enrolled = await run(() => api.enrollDesk(portal, code, pin.trim() === "" ? null : pin));
    if (enrolled.ok) {
      setStatus(enrolled.value);
      setCode("");
    }
  };

  return (
    <form id="enroll-form" onSubmit={submit}>
      <h2>{t("ui-enroll-title")}</h2>
      {status?.portal_url && (
        <p class="banner ok" id="enrolled-with">
          {t("ui-enrolled-with", { url: status.portal_url })}
        </p>
      )}
      <FaultBanner fault={fault} />
      <Field name="portal" label={t("ui-enroll-portal")} fault={fault}>
        <input id="enroll-portal" value={portal} onInput={input(setPortal)} placeholder="https://portal.example.uz" autocomplete="off" />
      </Field>
      <Field name="code" label={t("ui-enroll-code")} fault={fault}>
        <input id="enroll-code" value={code} onInput={input(setCode)} autocomplete="off" />
      </Field>
      <Field name="pin" label={t("ui-enroll-pin")} fault={fault}>
        <input id="enroll-pin" class="mono" value={pin} onInput={input(setPin)} autocomplete="off" />
      </Field>
      <div class="actions">
        <button type="submit" class="primary" id="enroll-submit" disabled={busy}>
          {t("ui-enroll-submit")}
        </button>
      </div>
    </form>
  );
}
