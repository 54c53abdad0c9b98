// The typed command functions are generated from Rust (bindings/commands.ts); this file only
// teaches the UI to recognise the `{code, message, fields}` every command fails with.
import type { Fault } from "./bindings/Fault";

export * from "./bindings/commands";

export function isFault(e: unknown): e is Fault {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

/// A fault for anything that is not one (the IPC bridge itself failing), so the UI always
/// shows a translated message and never a raw error string.
export function asFault(e: unknown, fallbackMessage: string): Fault {
  if (isFault(e)) {
    // Any command refused for idleness locks the whole desk, wherever it was called from.
    if (e.code === "session_locked") window.dispatchEvent(new Event("ariza-session-locked"));
    return e;
  }
  console.error(e);
  return { code: "internal", message: fallbackMessage, fields: [] };
}

/// The message for one field, if the fault names it.
export function fieldMessage(fault: Fault | null, field: string): string | undefined {
  return fault?.fields.find((f) => f.field === field)?.message;
}
