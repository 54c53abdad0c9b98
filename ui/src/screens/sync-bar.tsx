import { useEffect, useState } from "preact/hooks";
import * as api from "../api";
import type { SyncStatus } from "../bindings/SyncStatus";
import { runQuietly, unshown, useCommand } from "../command";
import { byteSize, tashkentTime } from "../format";
import { t } from "../i18n";
import { DeviceKeyWarning } from "./device-key-warning";

/// The status line's delivery part: online or offline, last sync, what waits, what the portal
/// set aside, the last error in the clerk's language, "Sync now", and a warning when the device
/// key is not in the OS keyring. Refreshes itself.
export function SyncBar(props: { refreshKey: unknown }) {
  const [status, setStatus] = useState<SyncStatus | null>(null);
  // The status line keeps showing the last known state when a call fails: the error of a
  // sync is in last_error, shown below. Only "Sync now" makes the button busy.
  const { busy, run } = useCommand();
  const [keyExplained, setKeyExplained] = useState(false);
  const [updateReady, setUpdateReady] = useState<string | null>(null);

  useEffect(() => {
    const load = () => {
      void runQuietly(api.syncStatus).then((s) => s.ok && setStatus(s.value));
      void runQuietly(api.updateStatus).then((u) => u.ok && setUpdateReady(u.value.installed_now ? null : (u.value.ready?.version ?? null)));
    };
    load();
    const timer = window.setInterval(load, 5000);
    return () => window.clearInterval(timer);
  }, [props.refreshKey]);

  if (!status) return null;
  const enrolled = status.portal_url !== null;
  const online = enrolled && status.last_error === null && status.last_success_at !== null;
  const syncNow = async () => {
    const synced = await run(api.syncNow, { onFault: unshown });
    if (synced.ok) setStatus(synced.value);
  };
  return (
    <span class="sync-bar" id="sync-bar" data-online={online ? "yes" : "no"}>
      {enrolled && (
        <span class={online ? "dot online" : "dot offline"} id="sync-state">
          {online ? t("ui-sync-online") : t("ui-sync-offline")}
        </span>
      )}
      {enrolled && (
        <span id="sync-last">
          {t("ui-sync-last")}: {status.last_success_at ? tashkentTime(status.last_success_at, true) : t("cli-never")}
        </span>
      )}
      <span id="backlog">{t("ui-backlog", { count: status.backlog })}</span>
      {status.documents.waiting > 0 && (
        <span id="documents-waiting" role="status">
          {t("ui-documents-waiting", { count: status.documents.waiting, sent: byteSize(status.documents.sent_bytes), total: byteSize(status.documents.bytes) })}{" "}
          <progress id="documents-progress" max={status.documents.bytes} value={status.documents.sent_bytes} aria-label={t("ui-documents-progress")} />
        </span>
      )}
      {status.quarantined > 0 && <span id="quarantined">{t("ui-quarantined", { count: status.quarantined })}</span>}
      {status.audit_alert && (
        <span class="sync-error" id="audit-alert">
          {t(status.audit_alert)}
        </span>
      )}
      {status.low_disk_space && (
        <span class="sync-error" id="low-disk-space" role="status">
          ⚠ {t("ui-low-disk-space")}
        </span>
      )}
      {status.last_error && (
        <span class="sync-error" id="sync-error">
          {t(status.last_error)}
        </span>
      )}
      {enrolled && (
        <button type="button" class="link" id="sync-now" disabled={busy} onClick={syncNow}>
          {t("ui-sync-now")}
        </button>
      )}
      {updateReady && (
        <span id="update-ready-note" role="status">
          {t("ui-status-update-ready", { version: updateReady })}
        </span>
      )}
      <DeviceKeyWarning location={status.device_key} open={keyExplained} onOpen={setKeyExplained} />
    </span>
  );
}
