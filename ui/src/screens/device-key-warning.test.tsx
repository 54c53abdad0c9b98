import type { VNode } from "preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LOCALES, setLocale, t } from "../i18n";
import { DeviceKeyWarning, deviceKeyWarning } from "./device-key-warning";

afterEach(() => setLocale("uz-Latn"));

/// Every piece of text a rendered tree shows.
function textOf(node: unknown): string {
  if (node === null || node === undefined || typeof node === "boolean") return "";
  if (typeof node === "string" || typeof node === "number") return String(node);
  if (Array.isArray(node)) return node.map(textOf).join("");
  return textOf((node as VNode<{ children?: unknown }>).props.children);
}

/// The element with `id` in a rendered tree.
function byId(node: unknown, id: string): VNode<Record<string, unknown>> | undefined {
  if (node === null || typeof node !== "object") return undefined;
  if (Array.isArray(node)) return node.map((n) => byId(n, id)).find(Boolean);
  const vnode = node as VNode<Record<string, unknown>>;
  if (vnode.props.id === id) return vnode;
  return byId(vnode.props.children, id);
}

describe("the device key warning in the status line", () => {
  it("says nothing while the key is in the keyring or a file the desk was told to use", () => {
    expect(deviceKeyWarning("keyring")).toBeNull();
    expect(deviceKeyWarning("file")).toBeNull();
    expect(DeviceKeyWarning({ location: "keyring", open: true, onOpen: () => undefined })).toBeNull();
  });

  it("warns in every language when no keyring answered, and says what to do", () => {
    for (const locale of LOCALES) {
      setLocale(locale);
      const w = deviceKeyWarning("file_because_no_keyring");
      expect(w?.short, locale).not.toBe("ui-device-key-file");
      expect(w?.explanation, locale).toContain("gnome-keyring");
      expect(w?.explanation, locale).not.toBe("ui-device-key-file-explain");
      // The key kept nowhere (keyring required, none answered) is a warning too.
      expect(deviceKeyWarning(null)?.explanation, locale).toContain("gnome-keyring");
    }
    setLocale("ru");
    expect(deviceKeyWarning("file_because_no_keyring")?.short).toBe("Ключ устройства хранится в файле");
  });

  it("shows the short warning, and the explanation once clicked or focused", () => {
    setLocale("en");
    const onOpen = vi.fn();
    const closed = DeviceKeyWarning({ location: "file_because_no_keyring", open: false, onOpen });
    expect(textOf(closed)).toContain("Device key kept in a file");
    expect(textOf(closed)).not.toContain("full-disk encryption");
    const button = byId(closed, "device-key-warning-button");
    expect(button?.props["aria-expanded"]).toBe(false);
    (button?.props.onClick as () => void)();
    (button?.props.onFocus as () => void)();
    expect(onOpen.mock.calls).toEqual([[true], [true]]);

    const open = DeviceKeyWarning({ location: "file_because_no_keyring", open: true, onOpen });
    const note = byId(open, "device-key-explanation");
    expect(note?.props.role).toBe("note");
    expect(textOf(note)).toBe(`${t("ui-device-key-file-explain")} ${t("ui-device-key-close")}`);
    expect(textOf(note)).toContain("full-disk encryption is what protects the file");
    expect(byId(open, "device-key-warning-button")?.props["aria-expanded"]).toBe(true);
    (byId(open, "device-key-explanation-close")?.props.onClick as () => void)();
    (byId(open, "device-key-warning")?.props.onKeyDown as (e: { key: string }) => void)({ key: "Escape" });
    expect(onOpen.mock.calls.slice(2)).toEqual([[false], [false]]);
  });
});
