import { useEffect, useRef, useState } from "preact/hooks";
import * as api from "../api";
import type { Actor } from "../bindings/Actor";
import { SESSION_LOCKED_EVENT, runQuietly, useCommand } from "../command";
import { FaultBanner, Field, input, useAutofocus } from "../components";
import { t } from "../i18n";

/// Watches for activity while someone is signed in: reports it to the desk (at most every
/// 20 s) and locks after `minutes` without any. The lock covers the screen without
/// unmounting it, so a half-filled form is exactly as it was when the password is given.
export function useIdleLock(minutes: number, active: boolean): [boolean, (locked: boolean) => void] {
  const [locked, setLocked] = useState(false);
  const last = useRef(Date.now());
  const reported = useRef(0);

  useEffect(() => {
    if (!active) return;
    last.current = Date.now();
    const onActivity = () => {
      if (locked) return;
      last.current = Date.now();
      if (last.current - reported.current > 20_000) {
        reported.current = last.current;
        void runQuietly(api.touchSession);
      }
    };
    const onLocked = () => setLocked(true);
    const events = ["keydown", "mousedown", "pointermove", "wheel", "touchstart"];
    for (const ev of events) window.addEventListener(ev, onActivity, { passive: true });
    window.addEventListener(SESSION_LOCKED_EVENT, onLocked);
    const timer = window.setInterval(() => {
      if (Date.now() - last.current > minutes * 60_000) setLocked(true);
    }, 1000);
    return () => {
      for (const ev of events) window.removeEventListener(ev, onActivity);
      window.removeEventListener(SESSION_LOCKED_EVENT, onLocked);
      window.clearInterval(timer);
    };
  }, [minutes, active, locked]);

  const set = (next: boolean) => {
    if (!next) last.current = Date.now();
    setLocked(next);
  };
  return [locked, set];
}

export function IdleLock(props: { actor: Actor; onResumed: () => void; onSignOut: () => void }) {
  const [password, setPassword] = useState("");
  const { fault, busy, run } = useCommand();
  const first = useAutofocus<HTMLInputElement>();

  const submit = async (e: Event) => {
    e.preventDefault();
    const resumed = await run(() => api.resumeSession(password));
    setPassword("");
    if (resumed.ok) props.onResumed();
  };

  return (
    <div class="lock-overlay" role="dialog" aria-modal="true" aria-labelledby="lock-title">
      <form class="card" id="lock-form" onSubmit={submit}>
        <h1 id="lock-title">{t("ui-lock-title")}</h1>
        <p class="muted">{t("ui-lock-text", { name: props.actor.full_name })}</p>
        <FaultBanner fault={fault} />
        <Field name="password" label={t("field-password")} fault={fault}>
          <input id="lock-password" ref={first} type="password" value={password} onInput={input(setPassword)} autocomplete="current-password" />
        </Field>
        <div class="actions">
          <button type="button" id="lock-sign-out" onClick={props.onSignOut}>
            {t("ui-lock-switch")}
          </button>
          <button type="submit" class="primary" id="lock-resume" disabled={busy}>
            {t("ui-lock-resume")}
          </button>
        </div>
      </form>
    </div>
  );
}
