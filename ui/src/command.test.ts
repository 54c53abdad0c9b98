import { afterEach, describe, expect, it, vi } from "vitest";
import type { Fault } from "./bindings/Fault";
import { fieldMessage, runCommand, toFault, unshown, validationFault } from "./command";
import { setLocale } from "./i18n";

/// A sink that remembers every state the hook would have rendered.
function recorder() {
  const faults: (Fault | null)[] = [];
  const busy: boolean[] = [];
  return { faults, busy, sink: { setFault: (f: Fault | null) => faults.push(f), setBusy: (b: boolean) => busy.push(b) } };
}

const refused: Fault = { code: "validation", message: "Tekshiring", fields: [{ field: "pinfl", message: "nazorat raqami" }] };

afterEach(() => {
  setLocale("uz-Latn");
  vi.restoreAllMocks();
});

describe("runCommand", () => {
  it("gives the value, clears the fault and is busy only while running", async () => {
    const r = recorder();
    const out = await runCommand(() => Promise.resolve(7), r.sink);
    expect(out).toEqual({ ok: true, value: 7 });
    expect(r.faults).toEqual([null]);
    expect(r.busy).toEqual([true, false]);
  });

  it("shows the desk's fault as it came, field messages included", async () => {
    const r = recorder();
    const out = await runCommand(() => Promise.reject(refused), r.sink);
    expect(out).toEqual({ ok: false, fault: refused });
    expect(r.faults).toEqual([refused]);
    expect(fieldMessage(r.faults[0], "pinfl")).toBe("nazorat raqami");
    expect(fieldMessage(r.faults[0], "surname")).toBeUndefined();
    expect(r.busy).toEqual([true, false]);
  });

  it("lets the screen handle a code itself, and then shows nothing", async () => {
    const r = recorder();
    const seen: string[] = [];
    const out = await runCommand(() => Promise.reject({ code: "not_signed_in", message: "Kiring", fields: [] }), r.sink, {
      onFault: (f) => (seen.push(f.code), f.code === "not_signed_in"),
    });
    expect(out.ok).toBe(false);
    expect(seen).toEqual(["not_signed_in"]);
    expect(r.faults).toEqual([]);
    // A handler that does not claim the fault leaves it shown.
    await runCommand(() => Promise.reject(refused), r.sink, { onFault: () => undefined });
    expect(r.faults).toEqual([refused]);
    await runCommand(() => Promise.reject(refused), r.sink, { onFault: unshown });
    expect(r.faults).toEqual([refused]);
  });

  it("keeps the fault on screen after a side call when asked", async () => {
    const r = recorder();
    await runCommand(() => Promise.resolve([]), r.sink, { keepFault: true });
    expect(r.faults).toEqual([]);
  });

  it("turns anything that is not a fault into a translated internal one", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    setLocale("ru");
    const r = recorder();
    const out = await runCommand(() => Promise.reject(new Error("ipc down")), r.sink);
    expect(out.ok).toBe(false);
    const fault = r.faults[0];
    expect(fault?.code).toBe("internal");
    expect(fault?.message).not.toContain("ipc down");
    expect(fault?.message).not.toBe("err-internal");
    expect(fault?.fields).toEqual([]);
  });
});

describe("faults", () => {
  it("gives a fault without fields an empty list, so fields can be asked", () => {
    const f = toFault({ code: "locked", message: "Baza yopiq" });
    expect(f.fields).toEqual([]);
    expect(fieldMessage(f, "password")).toBeUndefined();
  });

  it("builds a local validation fault shown like the desk's", () => {
    const f = validationFault([{ field: "birth_date", message: "Bunday sana yoʻq" }]);
    expect(f).toEqual({ code: "validation", message: "Bunday sana yoʻq", fields: [{ field: "birth_date", message: "Bunday sana yoʻq" }] });
  });
});
