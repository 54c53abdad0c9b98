import { useEffect, useRef, useState } from "preact/hooks";
import { open } from "@tauri-apps/plugin-dialog";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import * as api from "../api";
import type { AttachedDocument } from "../bindings/AttachedDocument";
import type { DocumentRequirement } from "../bindings/DocumentRequirement";
import type { Fault } from "../bindings/Fault";
import type { ScannerFile } from "../bindings/ScannerFile";
import type { StoredScan } from "../bindings/StoredScan";
import { fieldMessage, runQuietly, useCommand } from "../command";
import { FaultBanner } from "../components";
import { byteSize } from "../format";
import { t, text } from "../i18n";

/// A scan the clerk attached on the form, under one of the service's documents.
export type Picked = { requirement: string; scan: StoredScan; name: string };

const IMAGE_EXTENSIONS = ["jpg", "jpeg", "png", "webp", "tif", "tiff"];

function extensions(r: DocumentRequirement): string[] {
  return [...(r.accepts.includes("image") ? IMAGE_EXTENSIONS : []), ...(r.accepts.includes("pdf") ? ["pdf"] : [])];
}

function fileName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/// A scan's thumbnail (an image's, made on the desk), or a PDF tile.
export function ScanThumb(props: { scan: StoredScan; label: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    if (props.scan.format !== "image") return;
    let stale = false;
    void runQuietly(() => api.scanThumbnail(props.scan.sha256)).then((r) => r.ok && !stale && setSrc(r.value));
    return () => {
      stale = true;
    };
  }, [props.scan.sha256]);
  if (props.scan.format === "pdf") {
    return (
      <span class="thumb pdf" role="img" aria-label={props.label}>
        PDF
      </span>
    );
  }
  return src ? <img class="thumb" src={src} alt={props.label} width={60} /> : <span class="thumb loading" role="img" aria-label={props.label} />;
}

/// The original's size and what is stored of it: "2.4 MB → 310 KB".
export function scanSizes(scan: StoredScan): string {
  return scan.original_size === scan.stored_size ? byteSize(scan.stored_size) : `${byteSize(scan.original_size)} → ${byteSize(scan.stored_size)}`;
}

/// The service's documents with what is attached to each, on the filing form: attach by
/// the file picker, by dropping a file on a document, or from the scanner folder's tray.
/// Scans are stored as they are attached (normalized off the window's thread); filing names
/// them. A filing refused for a missing document marks it here.
export function DocumentChecklist(props: { documents: DocumentRequirement[]; picked: Picked[]; onChange: (p: Picked[]) => void; fault: Fault | null }) {
  const { fault, run, setFault } = useCommand();
  const [preparing, setPreparing] = useState<string | null>(null);
  const [dropTarget, setDropTarget] = useState<string | null>(null);
  const picked = useRef(props.picked);
  picked.current = props.picked;

  const firstMissing = (): string | undefined =>
    (props.documents.find((d) => d.required && !picked.current.some((p) => p.requirement === d.key)) ?? props.documents.find((d) => !picked.current.some((p) => p.requirement === d.key)))?.key;

  const attach = async (requirement: string, path: string) => {
    setPreparing(requirement);
    const stored = await run(() => api.storeScan(path));
    setPreparing(null);
    if (!stored.ok) return false;
    setFault(null);
    const others = picked.current.filter((p) => !(p.requirement === requirement && p.scan.sha256 === stored.value.sha256));
    props.onChange([...others, { requirement, scan: stored.value, name: fileName(path) }]);
    return true;
  };

  const choose = async (r: DocumentRequirement) => {
    const path = await open({ multiple: false, directory: false, filters: [{ name: text(r.name), extensions: extensions(r) }] });
    if (typeof path === "string") await attach(r.key, path);
  };

  // A file dropped on the window goes to the document under the pointer, else to the first
  // one still missing.
  useEffect(() => {
    let unlisten: (() => void) | undefined;
    let gone = false;
    const target = (x: number, y: number): string | undefined => {
      const ratio = window.devicePixelRatio || 1;
      const el = document.elementFromPoint(x / ratio, y / ratio)?.closest<HTMLElement>("[data-document]");
      return el?.dataset.document ?? firstMissing();
    };
    void getCurrentWebview()
      .onDragDropEvent((e) => {
        const p = e.payload;
        if (p.type === "over") setDropTarget(target(p.position.x, p.position.y) ?? null);
        else if (p.type === "leave") setDropTarget(null);
        else if (p.type === "drop") {
          setDropTarget(null);
          const key = target(p.position.x, p.position.y);
          if (key && p.paths[0]) void attach(key, p.paths[0]);
        }
      })
      .then((u) => (gone ? u() : (unlisten = u)))
      .catch(() => undefined);
    return () => {
      gone = true;
      unlisten?.();
    };
  }, []);

  const remove = (p: Picked) => props.onChange(picked.current.filter((q) => q !== p));

  return (
    <div class="documents" id="document-checklist">
      <FaultBanner fault={fault} />
      <ul class="checklist">
        {props.documents.map((d) => {
          const mine = props.picked.filter((p) => p.requirement === d.key);
          // A refusal's mark goes once the document is attached.
          const error = mine.length > 0 ? undefined : fieldMessage(props.fault, `documents.${d.key}`);
          const state = mine.length > 0 ? "attached" : d.required ? "missing" : "optional";
          return (
            <li key={d.key} data-document={d.key} data-required={d.required} data-state={state} class={[state, dropTarget === d.key ? "drop-target" : "", error ? "invalid" : ""].join(" ")}>
              <div class="requirement">
                <span class="mark" aria-hidden="true">
                  {mine.length > 0 ? "✓" : d.required ? "!" : "·"}
                </span>
                <strong>{text(d.name)}</strong>
                <span class="muted">({t(d.required ? "ui-document-required" : "ui-document-optional")})</span>
                <button type="button" class="link" data-choose={d.key} onClick={() => void choose(d)} disabled={preparing !== null}>
                  {t("ui-document-choose")}
                </button>
              </div>
              {preparing === d.key && (
                <span class="preparing" role="status">
                  {t("ui-scan-preparing")}
                </span>
              )}
              {mine.map((p) => (
                <div class="scan-row" key={p.scan.sha256} data-scan={p.scan.sha256}>
                  <ScanThumb scan={p.scan} label={text(d.name)} />
                  <span>{p.name}</span>
                  <span class="muted small" data-sizes>
                    {scanSizes(p.scan)}
                  </span>
                  <button type="button" class="link" onClick={() => remove(p)} aria-label={t("ui-document-remove-named", { name: p.name })}>
                    {t("ui-document-remove")}
                  </button>
                </div>
              ))}
              {error && (
                <span class="error" role="alert">
                  {error}
                </span>
              )}
            </li>
          );
        })}
      </ul>
      <p class="muted small">{t("ui-document-drop-hint")}</p>
      <ScannerTray documents={props.documents} firstMissing={firstMissing} onAttach={attach} />
    </div>
  );
}

/// What the scanner saved to its folder and is not attached yet; Enter on a file attaches it
/// to the document chosen beside it (the first one missing, unless the clerk picks another).
function ScannerTray(props: { documents: DocumentRequirement[]; firstMissing: () => string | undefined; onAttach: (requirement: string, path: string) => Promise<boolean> }) {
  const [files, setFiles] = useState<ScannerFile[] | null>(null);
  const [folder, setFolder] = useState<string | null>(null);
  const [chosen, setChosen] = useState<Record<string, string>>({});
  useEffect(() => {
    const load = () =>
      void runQuietly(api.scannerTray).then((r) => {
        if (r.ok) {
          setFolder(r.value.folder);
          setFiles(r.value.files);
        }
      });
    load();
    const timer = window.setInterval(load, 2000);
    return () => window.clearInterval(timer);
  }, []);
  if (!folder) return null;
  const take = async (f: ScannerFile) => {
    const requirement = chosen[f.path] ?? props.firstMissing();
    if (requirement && (await props.onAttach(requirement, f.path))) setFiles((files ?? []).filter((g) => g.path !== f.path));
  };
  return (
    <section class="tray" id="scanner-tray" aria-labelledby="scanner-tray-title">
      <h3 id="scanner-tray-title">{t("ui-scanner-tray-title")}</h3>
      {files && files.length === 0 && <p class="muted small">{t("ui-scanner-tray-empty")}</p>}
      <ul>
        {(files ?? []).map((f) => (
          <li key={f.path} data-tray-file={f.name}>
            <button type="button" class="primary" data-tray-attach={f.name} onClick={() => void take(f)}>
              {t("ui-scanner-attach", { name: f.name })}
            </button>
            <span class="muted small">{byteSize(f.size)}</span>
            <label class="inline">
              <span class="visually-hidden">{t("ui-scanner-as")}</span>
              <select value={chosen[f.path] ?? props.firstMissing() ?? ""} onChange={(e) => setChosen({ ...chosen, [f.path]: (e.target as HTMLSelectElement).value })}>
                {props.documents.map((d) => (
                  <option key={d.key} value={d.key}>
                    {text(d.name)}
                  </option>
                ))}
              </select>
            </label>
          </li>
        ))}
      </ul>
    </section>
  );
}

/// An application's documents on the detail screen and the receipt: what was received, and
/// (on the detail screen) the required ones still to follow, attached there.
export function ApplicationDocuments(props: { applicationKey: string; documents: DocumentRequirement[]; canAttach: boolean }) {
  const [attached, setAttached] = useState<AttachedDocument[] | null>(null);
  const { fault, run } = useCommand();
  const [preparing, setPreparing] = useState<string | null>(null);
  const load = () => void runQuietly(() => api.applicationDocuments(props.applicationKey)).then((r) => r.ok && setAttached(r.value));
  useEffect(load, [props.applicationKey]);
  if (!attached) return null;
  const follow = async (r: DocumentRequirement) => {
    const path = await open({ multiple: false, directory: false, filters: [{ name: text(r.name), extensions: extensions(r) }] });
    if (typeof path !== "string") return;
    setPreparing(r.key);
    const stored = await run(() => api.storeScan(path));
    if (stored.ok) await run(() => api.attachDocument(props.applicationKey, r.key, stored.value.sha256));
    setPreparing(null);
    load();
  };
  const known = new Set(props.documents.map((d) => d.key));
  const rows = [...props.documents, ...attached.filter((a) => !known.has(a.requirement_key)).map((a) => ({ key: a.requirement_key, name: null, required: false, accepts: [] }))];
  return (
    <section class="documents" id="application-documents">
      <h2>{t("ui-documents-received")}</h2>
      <FaultBanner fault={fault} />
      <ul class="checklist">
        {rows.map((d) => {
          const mine = attached.filter((a) => a.requirement_key === d.key);
          const name = d.name ? text(d.name) : d.key;
          const state = mine.length > 0 ? "attached" : d.required ? "missing" : "optional";
          return (
            <li key={d.key} data-document={d.key} data-state={state} class={state}>
              <div class="requirement">
                <span class="mark" aria-hidden="true">
                  {mine.length > 0 ? "✓" : d.required ? "!" : "·"}
                </span>
                <strong>{name}</strong>
                {mine.length === 0 && <span class="muted">{t(d.required ? "ui-document-to-follow" : "ui-document-not-attached")}</span>}
                {props.canAttach && d.name && mine.length === 0 && (
                  <button type="button" class="link" data-follow={d.key} disabled={preparing !== null} onClick={() => void follow(d as DocumentRequirement)}>
                    {t("ui-document-attach-now")}
                  </button>
                )}
              </div>
              {preparing === d.key && (
                <span class="preparing" role="status">
                  {t("ui-scan-preparing")}
                </span>
              )}
              {mine.map((a) => (
                <div class="scan-row" key={a.scan.sha256}>
                  <ScanThumb scan={a.scan} label={name} />
                  <span class="muted small">{scanSizes(a.scan)}</span>
                </div>
              ))}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
