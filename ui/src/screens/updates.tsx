import { useEffect, useState } from "preact/hooks";
import { open } from "@tauri-apps/plugin-dialog";
import * as api from "../api";
import type { UpdateStatus } from "../bindings/UpdateStatus";
import { runQuietly, useCommand } from "../command";
import { FaultBanner } from "../components";
import { t } from "../i18n";

/// Settings → Updates (administrators): the installed version; the portal's newer release,
/// installed when the administrator agrees; or the same signed package from a USB stick.
/// Whatever the source, the desk checks the signature, the version and the platform before
/// anything is installed, and says why when it refuses.
export function Updates() {
  const [status, setStatus] = useState<UpdateStatus | null>(null);
  const [checked, setChecked] = useState(false);
  const [path, setPath] = useState("");
  const { fault, busy, run } = useCommand();
  useEffect(() => void runQuietly(api.updateStatus).then((r) => r.ok && setStatus(r.value)), []);
  if (!status) return null;
  const check = async () => {
    const r = await run(api.checkForUpdate);
    if (r.ok) {
      setStatus(r.value);
      setChecked(true);
    }
  };
  const install = async () => {
    const r = await run(api.installUpdate);
    if (r.ok) setStatus(r.value);
  };
  const installFile = async (e: Event) => {
    e.preventDefault();
    const r = await run(() => api.installUpdateFromFile(path.trim()));
    if (r.ok) setStatus(r.value);
  };
  return (
    <fieldset id="updates">
      <legend>{t("ui-update-title")}</legend>
      <p id="update-installed">{t("ui-update-installed-version", { version: status.installed })}</p>
      <FaultBanner fault={fault} />
      {status.installed_now ? (
        <div class="banner ok" role="status" id="update-done">
          {t("ui-update-done", { version: status.installed_now })}{" "}
          <button type="button" id="update-restart" onClick={() => void run(api.restartDesk)}>
            {t("ui-update-restart")}
          </button>
        </div>
      ) : status.ready ? (
        <div class="banner info" role="status" id="update-ready">
          <p>{t("ui-update-ready", { version: status.ready.version })}</p>
          {status.ready.notes && <p class="muted small">{status.ready.notes}</p>}
          <button type="button" class="primary" id="update-install" disabled={busy} onClick={install}>
            {t("ui-update-install", { version: status.ready.version })}
          </button>
        </div>
      ) : (
        checked && (
          <p class="muted" role="status" id="update-none">
            {t("ui-update-none")}
          </p>
        )
      )}
      {!status.installed_now && (
        <button type="button" id="update-check" disabled={busy} onClick={check}>
          {t("ui-update-check")}
        </button>
      )}
      <h2 id="update-file-title">{t("ui-update-from-file")}</h2>
      <p class="muted small" id="update-file-help">
        {t("ui-update-file-help")}
      </p>
      <form class="inline" onSubmit={installFile} aria-labelledby="update-file-title">
        <label class="visually-hidden" for="update-file-path">
          {t("ui-update-file-path")}
        </label>
        <input id="update-file-path" value={path} placeholder={t("ui-update-file-path")} aria-describedby="update-file-help" onInput={(e) => setPath((e.target as HTMLInputElement).value)} autocomplete="off" />
        <button
          type="button"
          onClick={async () => {
            const p = await open({ multiple: false, directory: false, filters: [{ name: "Ariza Desk", extensions: ["deb"] }] });
            if (typeof p === "string") setPath(p);
          }}
        >
          {t("ui-usb-choose")}
        </button>
        <button type="submit" id="update-file-install" disabled={busy || path.trim() === ""}>
          {t("ui-update-file-install")}
        </button>
      </form>
    </fieldset>
  );
}
