import { useCallback, useEffect, useState } from "preact/hooks";
import * as api from "./api";
import type { Application } from "./bindings/Application";
import type { Catalog } from "./bindings/Catalog";
import type { DeskSettings } from "./bindings/DeskSettings";
import type { DeskStatus } from "./bindings/DeskStatus";
import type { Region } from "./bindings/Region";
import { useCommand } from "./command";
import { FaultBanner } from "./components";
import { setLocale, t } from "./i18n";
import { Detail } from "./screens/detail";
import { IdleLock, useIdleLock } from "./screens/idle-lock";
import { Dashboard } from "./screens/dashboard";
import { NewApplication, type Start, startFromCorrection, startFromDraft } from "./screens/new-application";
import { Queues } from "./screens/queues";
import { Receipt } from "./screens/receipt";
import { Settings } from "./screens/settings";
import { Setup } from "./screens/setup";
import { Staff } from "./screens/staff";
import { MergeCitizens } from "./screens/merge-citizens";
import { SyncBar } from "./screens/sync-bar";
import { SignIn } from "./screens/sign-in";
import { Today } from "./screens/today";

export type View =
  | { name: "today" }
  | { name: "new"; start?: Start }
  | { name: "detail"; key: string; back: "today" | "queues" }
  | { name: "receipt"; application: Application }
  | { name: "settings" }
  | { name: "queues" }
  | { name: "dashboard" }
  | { name: "staff" }
  | { name: "merge" };

function applySettings(s: DeskSettings) {
  setLocale(s.locale);
  const root = document.documentElement;
  root.dataset.theme = s.theme;
  root.dataset.fontSize = s.font_size;
}

export function App() {
  const [status, setStatus] = useState<DeskStatus | null>(null);
  const { fault, run } = useCommand();
  const [view, setView] = useState<View>({ name: "today" });
  const [catalog, setCatalog] = useState<Catalog | null>(null);
  const [regions, setRegions] = useState<Region[]>([]);
  const [locked, setLocked] = useIdleLock(status?.settings.idle_lock_minutes ?? 5, !!status?.actor);

  const reload = useCallback(async () => {
    await run(async () => {
      const s = await api.deskStatus();
      applySettings(s.settings);
      setStatus(s);
      if (s.session_locked) setLocked(true);
      if (s.actor) setCatalog(await api.catalog());
    });
  }, [run]);

  useEffect(() => {
    void reload();
    // Loaded beside the desk status: its success must not hide that one's failure.
    void run(api.regions, { keepFault: true }).then((r) => r.ok && setRegions(r.value));
  }, [reload, run]);

  // Keyboard-first: Alt+N new application, Alt+T today, anywhere.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!status?.actor || !e.altKey) return;
      if (e.key === "n" || e.key === "N") {
        e.preventDefault();
        setView({ name: "new" });
      } else if (e.key === "t" || e.key === "T") {
        e.preventDefault();
        setView({ name: "today" });
      } else if (e.key === "q" || e.key === "Q") {
        e.preventDefault();
        setView({ name: "queues" });
      } else if (e.key === "d" || e.key === "D") {
        e.preventDefault();
        setView({ name: "dashboard" });
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [status]);

  if (!status) {
    return (
      <main class="center-screen">
        <FaultBanner fault={fault} />
      </main>
    );
  }

  const saveSettings = async (next: DeskSettings) => {
    if (status.locked) {
      // Nothing can be saved until a password opens the database; show it at once anyway.
      applySettings(next);
      setStatus({ ...status, settings: next });
      return;
    }
    const saved = await run(() => api.saveSettings(next), { keepFault: true });
    if (saved.ok) {
      applySettings(saved.value);
      setStatus({ ...status, settings: saved.value });
    }
  };

  if (status.locked) {
    return <SignIn center={null} settings={status.settings} onSettings={saveSettings} onDone={reload} keyringRequired={status.keyring_required} />;
  }
  if (!status.center) {
    return <Setup regions={regions} settings={status.settings} onSettings={saveSettings} onDone={reload} />;
  }
  if (!status.actor) {
    return <SignIn center={status.center} settings={status.settings} onSettings={saveSettings} onDone={reload} />;
  }

  const actor = status.actor;
  const signOut = async () => {
    setLocked(false);
    if (!(await run(api.signOut)).ok) return;
    setView({ name: "today" });
    await reload();
  };
  const nav = (name: "today" | "new" | "queues" | "dashboard" | "settings" | "staff" | "merge", key: string, hotkey?: string) => (
    <button
      type="button"
      class={view.name === name ? "nav active" : "nav"}
      id={`nav-${name}`}
      aria-keyshortcuts={hotkey}
      onClick={() => setView({ name } as View)}
    >
      {t(key)}
    </button>
  );

  return (
    <div class="shell" data-view={view.name}>
      <header class="topbar">
        <div class="brand">
          <strong>{t("app-name")}</strong>
          <span class="center-name">
            {status.center.name} · {status.center.code}
          </span>
        </div>
        <nav>
          {nav("today", "ui-nav-today", "Alt+T")}
          {nav("new", "ui-nav-new", "Alt+N")}
          {nav("queues", "ui-nav-queues", "Alt+Q")}
          {nav("dashboard", "ui-nav-dashboard", "Alt+D")}
          {actor.role !== "clerk" && nav("merge", "ui-nav-merge")}
          {actor.role === "admin" && nav("staff", "ui-nav-staff")}
          {nav("settings", "ui-nav-settings")}
        </nav>
        <div class="who">
          <span id="signed-in-as">{t("ui-signed-in-as", { name: actor.full_name, role: t(`role-${actor.role}`) })}</span>
          <button type="button" id="sign-out" class="link" onClick={signOut}>
            {t("ui-signout")}
          </button>
        </div>
      </header>
      <main class="content">
        <FaultBanner fault={fault} />
        {view.name === "today" && (
          <Today today={status.today} username={actor.username} role={actor.role} catalog={catalog} onOpen={(key) => setView({ name: "detail", key, back: "today" })} />
        )}
        {view.name === "new" && catalog && (
          <NewApplication
            // A new start (a draft, a correction) is a new form, not the one on screen.
            key={view.start?.draftId ?? view.start?.replaces?.id ?? "new"}
            catalog={catalog}
            regions={regions}
            start={view.start}
            onDrafted={() => setView({ name: "queues" })}
            onFiled={(application) => {
              setView({ name: "receipt", application });
              void reload();
            }}
            onCancel={() => setView({ name: "today" })}
          />
        )}
        {view.name === "receipt" && catalog && (
          <Receipt
            application={view.application}
            catalog={catalog}
            center={status.center}
            onNew={() => setView({ name: "new" })}
            onToday={() => setView({ name: "today" })}
          />
        )}
        {view.name === "detail" && catalog && (
          <Detail
            applicationKey={view.key}
            catalog={catalog}
            actor={actor}
            onBack={() => setView(view.back === "queues" ? { name: "queues" } : { name: "today" })}
            onChanged={reload}
            onCorrect={(a) => setView({ name: "new", start: startFromCorrection(a) })}
          />
        )}
        {view.name === "staff" && <Staff />}
        {view.name === "merge" && <MergeCitizens />}
        {view.name === "queues" && (
          <Queues
            actor={actor}
            catalog={catalog}
            onOpen={(key) => setView({ name: "detail", key, back: "queues" })}
            onContinueDraft={(d) => setView({ name: "new", start: startFromDraft(d) })}
          />
        )}
        {view.name === "dashboard" && <Dashboard catalog={catalog} today={status.today} />}
        {view.name === "settings" && (
          <Settings settings={status.settings} onSettings={saveSettings} database={status.database} admin={actor.role === "admin"} supervisor={actor.role !== "clerk"} catalog={catalog} />
        )}
      </main>
      <footer class="statusbar">
        <span>{t("ui-keyboard-hint")}</span>
        <SyncBar refreshKey={view} />
      </footer>
      {locked && <IdleLock actor={actor} onResumed={() => setLocked(false)} onSignOut={signOut} />}
    </div>
  );
}
