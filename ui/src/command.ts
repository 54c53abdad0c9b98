// Calling a desk command and showing what went wrong, in one place: every command fails with
// the desk's `{code, message, fields}` (already translated), and a screen shows the message in
// its banner and the field messages under their fields.
import { useMemo, useRef, useState } from "preact/hooks";
import type { Fault } from "./bindings/Fault";
import type { FieldFault } from "./bindings/FieldFault";
import { t } from "./i18n";

/// How a call ended: its value, or the fault (already shown unless the screen handled it).
export type Outcome<T> = { ok: true; value: T } | { ok: false; fault: Fault };

export type RunOptions = {
  /// Sees the fault before it is shown; returning true means the screen dealt with it (a
  /// poll whose failure shows elsewhere, a code the screen answers itself) and it is not shown.
  onFault?: (fault: Fault) => boolean | void;
  /// On success, leave the fault on screen: for a side call that says nothing about the one
  /// whose failure is shown (the region list loaded while the desk status failed).
  keepFault?: boolean;
};

/// Where a call's state goes: the hook gives state setters, tests give plain functions.
export type FaultSink = {
  setFault: (fault: Fault | null) => void;
  setBusy: (busy: boolean) => void;
};

/// The window event that locks the screen; see `toFault`.
export const SESSION_LOCKED_EVENT = "ariza-session-locked";

export function isFault(e: unknown): e is Fault {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

/// The fault for anything a command threw. Something that is not one (the IPC bridge itself
/// failing) becomes an internal fault, so the clerk always reads a translated message and
/// never a raw error string.
export function toFault(e: unknown): Fault {
  if (isFault(e)) {
    // Any command refused for idleness locks the whole desk, wherever it was called from.
    if (e.code === "session_locked" && typeof window !== "undefined") window.dispatchEvent(new Event(SESSION_LOCKED_EVENT));
    return { ...e, fields: e.fields ?? [] };
  }
  console.error(e);
  return { code: "internal", message: t("err-internal"), fields: [] };
}

/// A fault found before calling anything (two passwords differ, a date that does not exist),
/// shown exactly like the desk's own: the first message in the banner, each under its field.
export function validationFault(fields: FieldFault[]): Fault {
  return { code: "validation", message: fields[0]?.message ?? t("err-internal"), fields };
}

/// The message for one field, if the fault names it.
export function fieldMessage(fault: Fault | null, field: string): string | undefined {
  return fault?.fields.find((f) => f.field === field)?.message;
}

/// Runs one call, reporting busy and the fault to `sink`. Never throws: the outcome says how
/// it ended.
export async function runCommand<T>(call: () => Promise<T>, sink: FaultSink, options: RunOptions = {}): Promise<Outcome<T>> {
  sink.setBusy(true);
  try {
    const value = await call();
    if (!options.keepFault) sink.setFault(null);
    return { ok: true, value };
  } catch (e) {
    const fault = toFault(e);
    if (options.onFault?.(fault) !== true) sink.setFault(fault);
    return { ok: false, fault };
  } finally {
    sink.setBusy(false);
  }
}

export type Command = {
  /// The fault on screen: give it to `FaultBanner` and each `Field`.
  fault: Fault | null;
  /// True while any call run through this command is under way.
  busy: boolean;
  run: <T>(call: () => Promise<T>, options?: RunOptions) => Promise<Outcome<T>>;
  /// Shows a fault found without calling (or clears it with null).
  setFault: (fault: Fault | null) => void;
};

/// One screen's (or one part of a screen's) calls: `run` is stable across renders, so it can
/// sit in an effect's or a callback's dependencies.
export function useCommand(): Command {
  const [fault, setFault] = useState<Fault | null>(null);
  const [running, setRunning] = useState(0);
  // Calls overlap (a poll while a button's call runs): busy until the last one ends.
  const inFlight = useRef(0);
  const run = useMemo(() => {
    const sink: FaultSink = {
      setFault,
      setBusy: (busy) => {
        inFlight.current += busy ? 1 : -1;
        setRunning(inFlight.current);
      },
    };
    return <T>(call: () => Promise<T>, options?: RunOptions) => runCommand(call, sink, options);
  }, []);
  return { fault, busy: running > 0, run, setFault };
}

/// For `onFault`: the failure is not shown (the screen keeps showing what it last knew).
export const unshown = (): boolean => true;

const NOWHERE: FaultSink = { setFault: () => undefined, setBusy: () => undefined };

/// Runs a call whose failure is shown nowhere and which makes nothing busy: a poll, or a
/// report to the desk. Only its value matters (a locked session still locks the screen).
export function runQuietly<T>(call: () => Promise<T>): Promise<Outcome<T>> {
  return runCommand(call, NOWHERE, { onFault: unshown });
}
