import { useEffect, useState } from "preact/hooks";
import * as api from "../api";
import type { CitizenMatch } from "../bindings/CitizenMatch";
import type { MergeReport } from "../bindings/MergeReport";
import { useCommand } from "../command";
import { FaultBanner, MarkedName, input, pinflTail, useAutofocus } from "../components";
import { formatDate } from "../format";
import { t } from "../i18n";

/// Supervisors: two records of one person made one. Search finds both however the name was
/// typed; the supervisor says which to keep and why, sees what will happen, and confirms.
export function MergeCitizens() {
  const [query, setQuery] = useState("");
  const [matches, setMatches] = useState<CitizenMatch[]>([]);
  const [survivor, setSurvivor] = useState<CitizenMatch | null>(null);
  const [merged, setMerged] = useState<CitizenMatch | null>(null);
  const [reason, setReason] = useState("");
  const [done, setDone] = useState<MergeReport | null>(null);
  const { fault, busy, run } = useCommand();
  const searchRef = useAutofocus<HTMLInputElement>();

  useEffect(() => {
    if (query.trim().length < 2) {
      setMatches([]);
      return;
    }
    let stale = false;
    void run(() => api.findCitizens(query)).then((found) => {
      if (found.ok && !stale) setMatches(found.value);
    });
    return () => {
      stale = true;
    };
  }, [query, run]);

  const merge = async () => {
    if (!survivor || !merged) return;
    const result = await run(() => api.mergeCitizens(survivor.id, merged.id, reason));
    if (result.ok) {
      setDone(result.value);
      setSurvivor(null);
      setMerged(null);
      setReason("");
      setMatches([]);
      setQuery("");
    }
  };

  const describe = (m: CitizenMatch) => `${m.full_name} · ${formatDate(m.birth_date)} · ${pinflTail(m.pinfl)} · ${m.document_number}`;

  return (
    <section class="card wide" id="merge-citizens">
      <h1>{t("ui-merge-title")}</h1>
      <p class="muted">{t("ui-merge-explain")}</p>
      <FaultBanner fault={fault} />
      {done && (
        <p class="notice" id="merge-done" role="status">
          {t("ui-merge-done", { count: done.applications_moved, name: done.survivor.surname })}
        </p>
      )}
      <label for="merge-search">{t("ui-merge-search")}</label>
      <input id="merge-search" ref={searchRef} class="search" value={query} onInput={input(setQuery)} placeholder={t("ui-citizen-find-hint")} autocomplete="off" />
      {matches.length > 0 && (
        <table class="list" id="merge-candidates">
          <thead>
            <tr>
              <th scope="col">{t("ui-merge-person")}</th>
              <th scope="col">{t("field-birth-date")}</th>
              <th scope="col">{t("field-pinfl")}</th>
              <th scope="col">{t("field-document-number")}</th>
              <th scope="col">{t("ui-merge-keep")}</th>
              <th scope="col">{t("ui-merge-into")}</th>
            </tr>
          </thead>
          <tbody>
            {matches.map((m) => (
              <tr key={m.id} data-citizen={m.id}>
                <td>
                  <MarkedName name={m.full_name} spans={m.highlight} />
                </td>
                <td>{formatDate(m.birth_date)}</td>
                <td class="mono">{pinflTail(m.pinfl)}</td>
                <td class="mono">{m.document_number}</td>
                <td>
                  <input
                    type="radio"
                    name="merge-survivor"
                    id={`merge-keep-${m.id}`}
                    aria-label={`${t("ui-merge-keep")}: ${m.full_name}`}
                    checked={survivor?.id === m.id}
                    onChange={() => {
                      setSurvivor(m);
                      if (merged?.id === m.id) setMerged(null);
                    }}
                  />
                </td>
                <td>
                  <input
                    type="radio"
                    name="merge-merged"
                    id={`merge-drop-${m.id}`}
                    aria-label={`${t("ui-merge-into")}: ${m.full_name}`}
                    checked={merged?.id === m.id}
                    disabled={survivor?.id === m.id}
                    onChange={() => setMerged(m)}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {survivor && merged && (
        <div class="confirm" id="merge-summary">
          <p>{t("ui-merge-summary")}</p>
          <dl>
            <dt>{t("ui-merge-keep")}</dt>
            <dd id="merge-survivor-line">{describe(survivor)}</dd>
            <dt>{t("ui-merge-into")}</dt>
            <dd id="merge-merged-line">{describe(merged)}</dd>
          </dl>
          <label for="merge-reason">{t("ui-merge-reason")}</label>
          <textarea id="merge-reason" value={reason} onInput={input(setReason)} rows={2} />
          <div class="actions">
            <button type="button" class="primary" id="merge-confirm" disabled={busy} onClick={merge}>
              {t("ui-merge-confirm")}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
