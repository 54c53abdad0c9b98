import { useEffect, useState } from "preact/hooks";
import * as api from "../api";
import type { ReceiptLayout } from "../bindings/ReceiptLayout";
import type { DeskSettings } from "../bindings/DeskSettings";
import type { ServiceRule } from "../bindings/ServiceRule";
import type { Catalog } from "../bindings/Catalog";
import { runQuietly, useCommand } from "../command";
import { FaultBanner } from "../components";
import { byteSize, serviceName } from "../format";
import { open, save } from "@tauri-apps/plugin-dialog";
import type { FontSize } from "../bindings/FontSize";
import type { Theme } from "../bindings/Theme";
import { t } from "../i18n";
import { Enrollment } from "./enrollment";
import { LanguagePicker } from "./language-picker";
import { Updates } from "./updates";

/// A supervisor's rule per service: which may be filed with documents to follow.
function DocumentsToFollow(props: { catalog: Catalog | null }) {
  const [rules, setRules] = useState<ServiceRule[] | null>(null);
  const { fault, run } = useCommand();
  useEffect(() => void runQuietly(api.serviceRules).then((r) => r.ok && setRules(r.value)), []);
  if (!rules) return null;
  const set = async (rule: ServiceRule) => {
    const saved = await run(() => api.setServiceRule(rule));
    if (saved.ok) setRules(rules.map((r) => (r.service_code === rule.service_code ? saved.value : r)));
  };
  return (
    <fieldset id="documents-to-follow">
      <legend>{t("ui-settings-documents-to-follow")}</legend>
      <p class="muted small">{t("ui-settings-documents-to-follow-hint")}</p>
      <FaultBanner fault={fault} />
      {rules.map((r) => (
        <label key={r.service_code} class="check">
          <input type="checkbox" data-rule={r.service_code} checked={r.documents_to_follow} onChange={(e) => void set({ ...r, documents_to_follow: (e.target as HTMLInputElement).checked })} />
          {serviceName(props.catalog, r.service_code)}
        </label>
      ))}
    </fieldset>
  );
}

/// A file's path, typed or chosen in the OS's dialog, and what to do with it.
function PathForm(props: {
  id: string;
  label: string;
  submit: string;
  busy: boolean;
  path: string;
  onPath: (p: string) => void;
  onSubmit: (e: Event) => void;
  choose: () => Promise<string | null>;
}) {
  return (
    <form class="inline" onSubmit={props.onSubmit}>
      <label class="visually-hidden" for={`${props.id}-path`}>
        {props.label}
      </label>
      <input id={`${props.id}-path`} value={props.path} placeholder={props.label} onInput={(e) => props.onPath((e.target as HTMLInputElement).value)} autocomplete="off" />
      <button
        type="button"
        onClick={async () => {
          const p = await props.choose();
          if (p) props.onPath(p);
        }}
      >
        {t("ui-usb-choose")}
      </button>
      <button type="submit" id={props.id} disabled={props.busy || props.path.trim() === ""}>
        {props.submit}
      </button>
    </form>
  );
}

/// Settings → "Move by USB": with no link, this desk's undelivered work goes to the portal
/// on a stick, and the portal's bundle for this desk comes back on one.
function MoveByUsb() {
  const [exportPath, setExportPath] = useState("");
  const [importPath, setImportPath] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const { fault, busy, run } = useCommand();
  const write = async (e: Event) => {
    e.preventDefault();
    setDone(null);
    const r = await run(() => api.exportBundle(exportPath.trim()));
    if (r.ok) setDone(t("ui-usb-written", { file: r.value.file, applications: r.value.applications, documents: r.value.documents, size: byteSize(r.value.bytes) }));
  };
  const read = async (e: Event) => {
    e.preventDefault();
    setDone(null);
    const r = await run(() => api.importBundle(importPath.trim()));
    if (r.ok) setDone(t("ui-usb-read", { decisions: r.value.decisions, delivered: r.value.delivered, documents: r.value.documents }));
  };
  return (
    <fieldset id="move-by-usb">
      <legend>{t("ui-usb-title")}</legend>
      <p class="muted small">{t("ui-usb-hint")}</p>
      <FaultBanner fault={fault} />
      {done && (
        <div class="banner ok" role="status" id="usb-done">
          {done}
        </div>
      )}
      <PathForm
        id="bundle-export"
        label={t("ui-usb-export-path")}
        submit={t("ui-usb-export")}
        busy={busy}
        path={exportPath}
        onPath={setExportPath}
        onSubmit={write}
        choose={() => save({ defaultPath: "ariza.bundle", filters: [{ name: "Ariza", extensions: ["bundle"] }] })}
      />
      <PathForm
        id="bundle-import"
        label={t("ui-usb-import-path")}
        submit={t("ui-usb-import")}
        busy={busy}
        path={importPath}
        onPath={setImportPath}
        onSubmit={read}
        choose={async () => {
          const p = await open({ multiple: false, directory: false });
          return typeof p === "string" ? p : null;
        }}
      />
    </fieldset>
  );
}

function ScannerFolder(props: { settings: DeskSettings; onSettings: (s: DeskSettings) => void }) {
  const [folder, setFolder] = useState(props.settings.scanner_folder ?? "");
  return (
    <fieldset>
      <legend id="scanner-folder-label">{t("ui-settings-scanner-folder")}</legend>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          props.onSettings({ ...props.settings, scanner_folder: folder.trim() === "" ? null : folder.trim() });
        }}
      >
        <input id="scanner-folder" aria-labelledby="scanner-folder-label" value={folder} onInput={(e) => setFolder((e.target as HTMLInputElement).value)} aria-describedby="scanner-folder-hint" autocomplete="off" />
        <button type="submit" id="scanner-folder-save">
          {t("ui-settings-scanner-folder-save")}
        </button>
      </form>
      <p class="muted small" id="scanner-folder-hint">
        {t("ui-settings-scanner-folder-hint")}
      </p>
    </fieldset>
  );
}

export function Settings(props: { settings: DeskSettings; onSettings: (s: DeskSettings) => void; database: string; admin: boolean; supervisor: boolean; catalog: Catalog | null }) {
  const s = props.settings;
  const radios = <T extends string>(name: string, current: T, options: [T, string][], set: (v: T) => void) => (
    <div class="radios" role="radiogroup">
      {options.map(([value, key]) => (
        <label key={value} class="radio">
          <input type="radio" name={name} id={`${name}-${value}`} checked={current === value} onChange={() => set(value)} />
          {t(key)}
        </label>
      ))}
    </div>
  );
  return (
    <section class="card" id="settings">
      <h1>{t("ui-settings-title")}</h1>
      <LanguagePicker settings={s} onSettings={props.onSettings} />
      <fieldset>
        <legend>{t("ui-settings-font-size")}</legend>
        {radios<FontSize>("font", s.font_size, [["normal", "ui-font-normal"], ["large", "ui-font-large"], ["larger", "ui-font-larger"]], (v) =>
          props.onSettings({ ...s, font_size: v }),
        )}
      </fieldset>
      <fieldset>
        <legend>{t("ui-settings-theme")}</legend>
        {radios<Theme>("theme", s.theme, [["light", "ui-theme-light"], ["dark", "ui-theme-dark"], ["contrast", "ui-theme-contrast"]], (v) =>
          props.onSettings({ ...s, theme: v }),
        )}
      </fieldset>
      <fieldset>
        <legend id="idle-minutes-label">{t("ui-idle-minutes")}</legend>
        <input
          id="idle-minutes"
          aria-labelledby="idle-minutes-label"
          type="number"
          min={1}
          max={120}
          value={s.idle_lock_minutes}
          onChange={(e) => {
            const v = Number((e.target as HTMLInputElement).value);
            if (v >= 1 && v <= 120) props.onSettings({ ...s, idle_lock_minutes: v });
          }}
        />
      </fieldset>
      <fieldset>
        <legend>{t("ui-settings-receipt-layout")}</legend>
        {radios<ReceiptLayout>("receipt-layout", s.receipt_layout, [["a4", "ui-layout-a4"], ["a5", "ui-layout-a5"], ["roll80", "ui-layout-roll80"]], (v) =>
          props.onSettings({ ...s, receipt_layout: v }),
        )}
      </fieldset>
      {props.admin && (
        <fieldset>
          <legend id="log-days-label">{t("ui-settings-log-days")}</legend>
          <input
            id="log-days"
            aria-labelledby="log-days-label"
            type="number"
            min={1}
            max={365}
            value={s.log_retention_days}
            onChange={(e) => {
              const v = Number((e.target as HTMLInputElement).value);
              if (v >= 1 && v <= 365) props.onSettings({ ...s, log_retention_days: v });
            }}
          />
        </fieldset>
      )}
      <ScannerFolder settings={s} onSettings={props.onSettings} />
      {props.supervisor && <DocumentsToFollow catalog={props.catalog} />}
      {props.supervisor && <MoveByUsb />}
      <p class="muted small mono">{props.database}</p>
      {props.admin && <Enrollment />}
      {props.admin && <Updates />}
    </section>
  );
}
